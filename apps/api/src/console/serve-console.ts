import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The moderators' web console: static files from apps/api/console (plain ES modules, no build
 * step), under a strict Content-Security-Policy. Found from the package root so the same code
 * serves from sources (tests) and from dist.
 */
function consoleDirectory(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the package root to serve the console from');
    dir = parent;
  }
  return join(dir, 'apps', 'api', 'console');
}

/** Only this origin's scripts, styles and requests; no inline code, no framing. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_PATH = '/console';

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Mounts the console at /console, in a scope of its own. */
export function serveConsole(app: NestFastifyApplication): void {
  const root = consoleDirectory();
  void app.getHttpAdapter().getInstance().register(async (scope) => {
    // On every answer of the scope: files, the redirect, not-found and errors alike.
    scope.addHook('onRequest', (_req, reply, done) => {
      reply.headers(SECURITY_HEADERS);
      done();
    });
    await scope.register(fastifyStatic, { root, prefix: CONSOLE_PATH, maxAge: 0 });
    // The router ignores trailing slashes, so /console and /console/ both reach this route (the
    // files' wildcard route never sees the bare prefix); the page's own URLs are absolute.
    scope.get(CONSOLE_PATH, (_req, reply) => reply.sendFile('index.html'));
  });
}
