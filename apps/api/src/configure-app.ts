import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Environment } from '#app/config';
import { Metrics, requestIdOf, traceRequests } from '#app/observability';
import { ApiError } from './common/api-error.js';
import { ErrorFilter } from './common/error.filter.js';
import { createValidationPipe } from './common/validation.js';
import { CONSOLE_PATH, serveConsole } from './console/serve-console.js';
import { mountQueueDashboard } from './ops/queue-dashboard.js';

const JSON_TYPE = /^application\/(.+\+)?json\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

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

/**
 * The one body parser: JSON in UTF-8, nothing else (a 415, not a confusing 400). The bytes are
 * checked before parsing: JSON.parse would silently turn broken UTF-8 into U+FFFD and store that.
 */
function parseJsonBody(req: IncomingMessage, body: Buffer): unknown {
  const charset = CHARSET.exec(req.headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError('unsupported_media_type', 'Only UTF-8 encoded JSON is accepted');
  }
  if (!isUtf8(body)) throw new ApiError('invalid_text', 'The request body is not valid UTF-8');
  // A byte order mark, as some .NET and PowerShell clients send, is not part of the JSON.
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('malformed_json', 'The request body is not valid JSON');
  }
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ApiError('validation_failed', `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return value;
}

/** Compressed bodies are inflated before the size limit applies, so it limits what is parsed. */
const DECOMPRESSORS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

function acceptJsonOnly(instance: FastifyInstance, maxBytes: number): void {
  instance.addHook('preParsing', async (req, _reply, payload) => {
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (!encoding || encoding === 'identity') return payload;
    const decompress = DECOMPRESSORS[encoding];
    if (!decompress) throw new ApiError('unsupported_media_type', `Content-Encoding ${encoding} is not supported; send gzip, deflate, br or none`);
    // Fastify checks Content-Length against the bytes received, not the bytes inflated.
    const inflated = decompress() as Transform & { receivedEncodedLength: number };
    inflated.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => (inflated.receivedEncodedLength += chunk.length));
    return payload.pipe(inflated);
  });
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer', bodyLimit: maxBytes }, (req, body, done) => {
    try {
      done(null, parseJsonBody(req.raw, body as Buffer));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  instance.addContentTypeParser('*', (req, _payload, done) => {
    // An empty body says nothing whatever its type (curl -d '' sends a form type).
    if (req.headers['content-length'] === '0') return done(null, undefined);
    done(new ApiError('unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json'), undefined);
  });
}

/** Every request's duration by route template (never the raw path: ids would explode the label set). */
function recordHttpMetrics(instance: FastifyInstance, metrics: Metrics): void {
  instance.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url?.startsWith(CONSOLE_PATH) ? CONSOLE_PATH : (req.routeOptions.url ?? 'unmatched');
    metrics.httpRequests.observe({ route, method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}

/** The OpenAPI document at /docs-json, generated from the DTOs, and Swagger UI at /docs. */
function publishOpenApi(app: NestFastifyApplication): void {
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

/**
 * The API's HTTP server: Fastify, whose per-request cost was about a third of Express's in the
 * same Nest application (docs/benchmarks.md). Behind a proxy on this host, the forwarded address
 * is the client's.
 */
export function createApiAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    trustProxy: 'loopback',
    genReqId: requestIdOf,
    // Fastify's default of 100 characters is shorter than the external ids the API accepts (200).
    // A trailing slash names the same route, as clients written against most HTTP servers expect.
    routerOptions: { maxParamLength: 1024, ignoreTrailingSlash: true },
    frameworkErrors: refuseBadPath,
  });
}

/** Paths Fastify's router refuses before any route runs, answered in the API's error shape. */
function refuseBadPath(error: { code?: string }, req: FastifyRequest, reply: FastifyReply): void {
  const refusal =
    error.code === 'FST_ERR_BAD_URL'
      ? new ApiError('validation_failed', 'The path is not valid percent-encoded UTF-8')
      : // A path segment too long to be any id names nothing (FST_ERR_MAX_PARAM_LENGTH).
        new ApiError('not_found', 'No such endpoint');
  // Answered before the onRequest hooks: the id is echoed here.
  void reply.header('X-Request-Id', req.id).status(refusal.getStatus()).send(refusal.getResponse());
}

/** Options every API application is created with (main.ts and the tests). */
export const API_APP_OPTIONS = { bodyParser: false, bufferLogs: true } as const;

/** HTTP set-up shared by main.ts and the end-to-end tests, so they test what runs. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  const env = app.get(Environment);
  const instance = app.getHttpAdapter().getInstance();
  traceRequests(instance, env.LOG_LEVEL);
  recordHttpMetrics(instance, app.get(Metrics));
  acceptJsonOnly(instance, env.MAX_REQUEST_BYTES);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  publishOpenApi(app);
  serveConsole(app);
  mountQueueDashboard(app);
  return app;
}
