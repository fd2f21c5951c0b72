import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from '#app/config';

/** JSON logs through pino, with secrets redacted and health probes left out of the access log. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [Environment],
      useFactory: (env: Environment) => ({
        pinoHttp: {
          level: env.LOG_LEVEL,
          redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
          autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
          customProps: () => ({ service: process.env.TK_PROCESS ?? 'threadkeeper' }),
        },
      }),
    }),
  ],
})
export class LoggingModule {}
