import { Global, Module } from '@nestjs/common';
import { Environment, loadEnvironment } from './environment.js';

/** Makes the validated Environment injectable everywhere. Validation happens once, at start. */
@Global()
@Module({
  providers: [{ provide: Environment, useFactory: () => loadEnvironment() }],
  exports: [Environment],
})
export class ConfigModule {}
