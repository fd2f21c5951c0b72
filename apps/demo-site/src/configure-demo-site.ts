import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * Nothing but this origin's stylesheet and images: with no script allowed at all, even a comment
 * that slipped past the escaping could not run code. Forms and framing are refused too.
 */
export const DEMO_SITE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A whole thread comes in one delivery; the default 100 kB would refuse a long one. */
const MAX_WEBHOOK_BYTES = '5mb';

/** Options the demo site is created with (main.ts and the tests): the raw body is needed for the signature. */
export const DEMO_SITE_APP_OPTIONS = { bodyParser: false, rawBody: true } as const;

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', DEMO_SITE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
}

/** HTTP set-up shared by main.ts and the end-to-end test, so the test checks what runs. */
export function configureDemoSite(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.useBodyParser('json', { limit: MAX_WEBHOOK_BYTES });
  return app;
}
