import { hostname } from 'node:os';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from '#app/config';

/**
 * JSON logs through pino, for the application's own lines; request ids and request lines come
 * from Fastify hooks (request-tracing.ts). Logs never carry credentials, cookies or the caller's
 * IP address.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [Environment],
      useFactory: (env: Environment) => ({
        pinoHttp: {
          level: env.LOG_LEVEL,
          // Which process wrote each line.
          base: { pid: process.pid, hostname: hostname(), service: process.env.TK_PROCESS ?? 'threadkeeper' },
          serializers: {
            // Method, path and id only: no headers (keys, cookies) and no remote address, even if a
            // raw request or response is ever logged.
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          autoLogging: false,
        },
        // No per-request middleware: its child logger and AsyncLocalStorage cost every request.
        forRoutes: [],
      }),
    }),
  ],
})
export class LoggingModule {}
