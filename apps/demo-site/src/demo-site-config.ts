import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DemoArticle, readDemoFixture } from './demo-fixture.js';
import { safeHttpUrl } from './html.js';
import { webhookKey } from './webhook-signature.js';

/** Where tools/load-demo.ts leaves the webhook secret for the demo site (relative to the working directory). */
export const DEFAULT_SECRET_FILE = '.local/demo-site/secret';

/**
 * The webhook's signing key: fixed when given as DEMO_WEBHOOK_SECRET; read from the loader's
 * secret file otherwise, and read again when that file changes, since the loader rotates the
 * secret on every run and the site may still be running.
 */
export class WebhookSecret {
  private constructor(
    private currentKey: Buffer,
    private readonly file?: { path: string; mtimeMs: number },
  ) {}

  /** @throws Error saying what is wrong with the secret. */
  static fromValue(secret: string): WebhookSecret {
    return new WebhookSecret(webhookKey(secret));
  }

  /** @throws Error saying what is wrong with the file or the secret in it. */
  static fromFile(path: string): WebhookSecret {
    const mtimeMs = statSync(path).mtimeMs;
    return new WebhookSecret(webhookKey(readFileSync(path, 'utf8')), { path, mtimeMs });
  }

  key(): Buffer {
    if (this.file) {
      try {
        const mtimeMs = statSync(this.file.path).mtimeMs;
        if (mtimeMs !== this.file.mtimeMs) {
          this.currentKey = webhookKey(readFileSync(this.file.path, 'utf8'));
          this.file.mtimeMs = mtimeMs;
        }
      } catch {
        // Gone or unreadable for now: keep the last good key; the next request looks again.
      }
    }
    return this.currentKey;
  }
}

export interface DemoSiteConfig {
  port: number;
  webhookSecret: WebhookSecret;
  /** JSON file keeping the latest thread of each article across restarts. */
  dataFile: string;
  /** The masthead, and the articles whose text this site has (the webhook brings only their comments). */
  siteName: string;
  articles: DemoArticle[];
  /** Threadkeeper's base URL, for the links to its console. */
  threadkeeperUrl: string;
}

export class DemoSiteConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'DemoSiteConfigError';
  }
}

/** Reads and checks the demo site's variables; throws a DemoSiteConfigError naming each bad or missing one. */
export function loadDemoSiteConfig(env: NodeJS.ProcessEnv = process.env): DemoSiteConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);

  const portText = value('DEMO_SITE_PORT') ?? '3002';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port <= 65_535)) problems.push(`DEMO_SITE_PORT (invalid): must be a port number from 0 to 65535, not "${portText}"`);

  const threadkeeperUrl = safeHttpUrl(value('THREADKEEPER_URL') ?? 'http://localhost:3000');
  if (threadkeeperUrl === undefined) problems.push('THREADKEEPER_URL (invalid): must be an http(s) URL');

  let webhookSecret: WebhookSecret | undefined;
  const secret = value('DEMO_WEBHOOK_SECRET');
  const secretFile = resolve(value('DEMO_WEBHOOK_SECRET_FILE') ?? DEFAULT_SECRET_FILE);
  if (secret !== undefined) {
    try {
      webhookSecret = WebhookSecret.fromValue(secret);
    } catch (error) {
      problems.push(`DEMO_WEBHOOK_SECRET (invalid): ${(error as Error).message}`);
    }
  } else {
    try {
      webhookSecret = WebhookSecret.fromFile(secretFile);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      problems.push(
        missing
          ? `DEMO_WEBHOOK_SECRET (missing): set it to the webhook's whsec_… secret, or run \`node dist/tools/load-demo.js setup\`, which writes it to ${secretFile}`
          : `DEMO_WEBHOOK_SECRET (missing) and the secret in ${secretFile} (DEMO_WEBHOOK_SECRET_FILE) is not usable: ${(error as Error).message}`,
      );
    }
  }

  const articlesFile = resolve(value('DEMO_ARTICLES_FILE') ?? 'fixtures/demo-thread.json');
  let fixture: ReturnType<typeof readDemoFixture> | undefined;
  try {
    fixture = readDemoFixture(articlesFile);
  } catch (error) {
    problems.push(`DEMO_ARTICLES_FILE (invalid): ${(error as Error).message}`);
  }

  if (problems.length > 0 || !webhookSecret || !fixture || threadkeeperUrl === undefined) throw new DemoSiteConfigError(problems);
  return {
    port,
    webhookSecret,
    dataFile: resolve(value('DEMO_DATA_FILE') ?? '.local/demo-site/threads.json'),
    siteName: fixture.site.name,
    articles: [fixture.article],
    threadkeeperUrl,
  };
}
