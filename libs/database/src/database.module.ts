import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Environment } from '#app/config';
import { dataSourceOptions, ENTITIES } from './data-source.js';

/** The PostgreSQL connection and repositories of every entity, for the API and the worker. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [Environment],
      useFactory: (env: Environment) => ({
        ...dataSourceOptions(env.DATABASE_URL, env.DATABASE_POOL_SIZE),
        // Start-up waits for PostgreSQL, with a log line per try, instead of dying at once.
        retryAttempts: 30,
        retryDelay: 1000,
      }),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  exports: [TypeOrmModule],
})
export class DatabaseModule {}
