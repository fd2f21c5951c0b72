import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Environment } from '#app/config';

/** A caller's own request id is kept when it looks like one; otherwise a new one is made. */
const REQUEST_ID = /^[\w.:-]{1,100}$/;

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
          autoLogging: { ignore: (req) => req.url?.startsWith('/health') || req.url === '/metrics' || false },
          customProps: () => ({ service: process.env.TK_PROCESS ?? 'threadkeeper' }),
        },
      }),
    }),
  ],
})
export class LoggingModule {}
