import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Environment } from '#app/config';
import { Metrics } from '#app/observability';
import { ApiError } from './common/api-error.js';
import { ErrorFilter } from './common/error.filter.js';
import { createValidationPipe } from './common/validation.js';
import { serveConsole } from './console/serve-console.js';
import { mountQueueDashboard } from './ops/queue-dashboard.js';

const JSON_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;

/** A request with a body must say it is JSON; anything else is a 415, not a confusing 400. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    next(new ApiError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json'));
    return;
  }
  next();
}

/**
 * The JSON parser would silently turn broken UTF-8 into U+FFFD and store that; refuse it instead.
 * Needs the raw body, so the application is created with `rawBody: true`.
 */
function requireUtf8(req: Request & { rawBody?: Buffer }, _res: Response, next: NextFunction): void {
  if (req.rawBody && !isUtf8(req.rawBody)) {
    next(new ApiError('invalid_text', 'The request body is not valid UTF-8'));
    return;
  }
  next();
}

/** The OpenAPI document at /docs-json, generated from the DTOs, and Swagger UI at /docs. */
function publishOpenApi(app: NestExpressApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Threadkeeper API')
    .setDescription(
      'Send reader comments, read the moderation decisions. Authenticate with `Authorization: Bearer <key>`: a site API key, ' +
        'or the operator ADMIN_TOKEN for /v1/admin. Every error has the shape `{ statusCode, error, message, details: [{ field, problem }] }`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/** Deeper than any request of this API needs; deeper input is refused before anything recurses into it. */
const MAX_JSON_DEPTH = 16;

/** Depth of a parsed JSON value, measured without recursion so no input can overflow the stack. */
function jsonDepth(root: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function limitNesting(req: Request, _res: Response, next: NextFunction): void {
  if (jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    next(new ApiError('validation_failed', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`));
    return;
  }
  next();
}

/** Every request's duration by route template (never the raw path: ids would explode the label set). */
function recordHttpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = metrics.httpRequests.startTimer();
    res.once('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : req.originalUrl.startsWith('/console') ? '/console' : 'unmatched';
      stop({ route, method: req.method, status: String(res.statusCode) });
    });
    next();
  };
}

/** Options every API application is created with (main.ts and the tests). */
export const API_APP_OPTIONS = { bodyParser: false, rawBody: true, bufferLogs: true } as const;

/** HTTP set-up shared by main.ts and the end-to-end tests, so they test what runs. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const env = app.get(Environment);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(recordHttpMetrics(app.get(Metrics)));
  app.use(requireJson);
  app.useBodyParser('json', {
    limit: env.MAX_REQUEST_BYTES,
    type: (req: IncomingMessage) => JSON_TYPE.test(req.headers['content-type'] ?? ''),
  });
  app.use(requireUtf8);
  app.use(limitNesting);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  publishOpenApi(app);
  serveConsole(app);
  mountQueueDashboard(app);
  return app;
}
