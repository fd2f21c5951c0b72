import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';

/** A caller's own request id is kept when it looks like one; otherwise a new one is made. */
const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Levels at which a line per request is written. */
const REQUEST_LOG_LEVELS = ['trace', 'debug', 'info'];

/** Probes and scrapes: too frequent to log. */
const QUIET_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/** The request's correlation id (Fastify's genReqId): the caller's X-Request-Id, or a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** What a log line says of a request: its id, method and path, never its headers (keys, cookies) or address. */
export function requestLogFields(req: FastifyRequest): { id: string; method: string; url: string } {
  return { id: req.id, method: req.method, url: req.url.split('?')[0] };
}

/**
 * Every request gets a correlation id (X-Request-Id, echoed back) that follows the comment into
 * its moderation job and on to the webhook deliveries it causes. At info and below, a line per
 * request: method, path, status and time, never headers (keys, cookies) or the caller's address.
 * Fastify hooks rather than a per-request child logger bound through AsyncLocalStorage: that
 * cost about 100 µs of CPU a request even when no line was written.
 */
export function traceRequests(instance: FastifyInstance, logLevel: string): void {
  instance.addHook('onRequest', (req, reply, done) => {
    reply.header('X-Request-Id', req.id);
    done();
  });
  if (!REQUEST_LOG_LEVELS.includes(logLevel)) return;
  instance.addHook('onResponse', (req, reply, done) => {
    if (!QUIET_PATHS.test(req.url)) {
      const line = {
        req: requestLogFields(req),
        // The response itself: pino-http's serializer reads the status from a sent response only.
        res: reply.raw,
        responseTime: Math.round(reply.elapsedTime),
      };
      if (reply.statusCode >= 500) PinoLogger.root.error(line, 'request errored');
      else PinoLogger.root.info(line, 'request completed');
    }
    done();
  });
}
