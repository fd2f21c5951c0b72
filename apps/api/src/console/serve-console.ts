import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';

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

/** Mounts the console at /console. Express strips the mount path, so files resolve from the folder. */
export function serveConsole(app: NestExpressApplication): void {
  app.use(
    '/console',
    (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Frame-Options', 'DENY');
      next();
    },
    express.static(consoleDirectory(), { index: 'index.html', maxAge: 0 }),
  );
}
