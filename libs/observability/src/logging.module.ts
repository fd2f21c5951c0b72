import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from '#app/config';

/** A caller's own request id is kept when it looks like one; otherwise a new one is made. */
const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Levels at which "request completed" lines (pino-http logs them at info) are written. */
const REQUEST_LOG_LEVELS = ['trace', 'debug', 'info'];

/**
 * JSON logs through pino. Every request gets a correlation id (X-Request-Id, echoed back) that
 * follows the comment into its moderation job and on to the webhook deliveries it causes. Logs
 * never carry credentials, cookies or the caller's IP address.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [Environment],
      useFactory: (env: Environment) => ({
        pinoHttp: {
          level: env.LOG_LEVEL,
          // On every line from the start, rather than pino-http's customProps: those are bound to a
          // child logger per request and serialised again per response, about 15 µs of CPU a request.
          base: { pid: process.pid, hostname: hostname(), service: process.env.TK_PROCESS ?? 'threadkeeper' },
          genReqId: (req, res) => {
            const given = req.headers['x-request-id'];
            const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
            res.setHeader('X-Request-Id', id);
            return id;
          },
          serializers: {
            // Method, path and id only: no headers (keys, cookies) and no remote address.
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          // Above info nothing would be written: no response listeners at all then.
          autoLogging: REQUEST_LOG_LEVELS.includes(env.LOG_LEVEL)
            ? { ignore: (req) => req.url?.startsWith('/health') || req.url === '/metrics' || false }
            : false,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
