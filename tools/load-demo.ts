/*
 * Loads the demo into a running Threadkeeper, safely on every `npm start`:
 *
 *   node dist/tools/load-demo.js setup     site `demo`, an API key, the fixture's policy and the
 *                                          webhook to the demo site; writes the webhook secret to
 *                                          .local/demo-site/secret for the demo site to read
 *   node dist/tools/load-demo.js comments  sends the fixture's comments, paced by their delayMs
 *   node dist/tools/load-demo.js           both, in that order
 *
 * A fixture path may follow the command (default fixtures/demo-thread.json). Run `setup` before
 * the demo site starts (it needs the secret) and `comments` once it listens, so the first
 * deliveries find it up. Every step is idempotent: the site and key are reused, the policy is only
 * replaced when it differs, and comments sent before come back as duplicates.
 *
 * Variables: ADMIN_TOKEN (required), THREADKEEPER_URL (http://localhost:3000), DEMO_SITE_URL
 * (http://localhost:3002), DEMO_WEBHOOK_SECRET_FILE (.local/demo-site/secret).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type DemoComment, type DemoFixture, readDemoFixture } from '../apps/demo-site/src/demo-fixture.js';
import { DEFAULT_SECRET_FILE } from '../apps/demo-site/src/demo-site-config.js';

const WEBHOOK_EVENTS = ['thread.updated', 'comment.approved', 'comment.held', 'comment.rejected'];
const KEY_NAME = 'demo-loader';
const KEY_SCOPES = ['comments:write', 'comments:read', 'admin'];
const REQUEST_TIMEOUT_MS = 15_000;

class LoaderError extends Error {}

const log = (message: string) => process.stdout.write(`[demo] ${message}\n`);

function settings() {
  const adminToken = process.env.ADMIN_TOKEN;
  if (!adminToken) throw new LoaderError('ADMIN_TOKEN is not set: give the Threadkeeper admin token (npm start prints it)');
  const url = (name: string, fallback: string) => {
    const value = process.env[name] || fallback;
    if (!/^https?:\/\/[^\s/]+/.test(value)) throw new LoaderError(`${name} must be an http(s) URL, not "${value}"`);
    return value.replace(/\/+$/, '');
  };
  const secretFile = resolve(process.env.DEMO_WEBHOOK_SECRET_FILE || DEFAULT_SECRET_FILE);
  return {
    adminToken,
    threadkeeperUrl: url('THREADKEEPER_URL', 'http://localhost:3000'),
    demoSiteUrl: url('DEMO_SITE_URL', 'http://localhost:3002'),
    secretFile,
    /** The loader's API key, kept next to the secret so later runs reuse it instead of making new ones. */
    keyFile: join(dirname(secretFile), 'loader-key.json'),
  };
}
type Settings = ReturnType<typeof settings>;

/** An answer whose body is taken to have the documented shape `T` when its status says success. */
interface Answer<T = unknown> {
  status: number;
  body: T;
}

async function call<T = unknown>(settings: Settings, method: string, path: string, token: string, body?: unknown): Promise<Answer<T>> {
  let response: Response;
  try {
    response = await fetch(settings.threadkeeperUrl + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new LoaderError(`cannot reach Threadkeeper at ${settings.threadkeeperUrl} (${method} ${path}: ${cause}); is the API running?`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): kept as text for the message.
  }
  return { status: response.status, body: parsed as T };
}

function unexpected(what: string, answer: Answer): LoaderError {
  const { body } = answer;
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  const detail = typeof message === 'string' ? message : body === undefined ? '' : JSON.stringify(body);
  return new LoaderError(`${what} failed: HTTP ${answer.status}${detail ? ` ${detail}` : ''}`);
}

/** Written to a temporary file first and renamed, readable by this user only: it is a credential. */
function writeSecretFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

interface DemoSite {
  id: string;
  apiKey: string;
}

/** The stored key, if it still opens this site (a reset database or a revocation makes it useless). */
async function storedKey(settings: Settings, siteId: string): Promise<string | undefined> {
  if (!existsSync(settings.keyFile)) return undefined;
  let saved: { siteId?: unknown; apiKey?: unknown };
  try {
    saved = JSON.parse(readFileSync(settings.keyFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (saved.siteId !== siteId || typeof saved.apiKey !== 'string') return undefined;
  const check = await call(settings, 'GET', `/v1/admin/sites/${siteId}`, saved.apiKey);
  return check.status === 200 ? saved.apiKey : undefined;
}

async function ensureSite(settings: Settings, fixture: DemoFixture): Promise<DemoSite> {
  const { name, slug } = fixture.site;
  const created = await call<{ id: string; apiKey: string }>(settings, 'POST', '/v1/admin/sites', settings.adminToken, { name, slug });
  if (created.status === 201) {
    const site = { id: created.body.id, apiKey: created.body.apiKey };
    writeSecretFile(settings.keyFile, JSON.stringify({ siteId: site.id, apiKey: site.apiKey }));
    log(`created the site "${name}" (slug ${slug}, id ${site.id})`);
    return site;
  }
  if (created.status !== 409) throw unexpected(`creating the site ${slug}`, created);

  const listed = await call<{ id: string; slug: string }[]>(settings, 'GET', '/v1/admin/sites', settings.adminToken);
  if (listed.status !== 200 || !Array.isArray(listed.body)) throw unexpected('listing the sites', listed);
  const existing = listed.body.find((site) => site.slug === slug);
  if (!existing) throw new LoaderError(`the slug ${slug} is taken, yet no listed site has it`);
  const reused = await storedKey(settings, existing.id);
  if (reused) {
    log(`site ${slug} exists (id ${existing.id}); reusing the ${KEY_NAME} key from ${settings.keyFile}`);
    return { id: existing.id, apiKey: reused };
  }
  const key = await call<{ key: string }>(settings, 'POST', `/v1/admin/sites/${existing.id}/keys`, settings.adminToken, { name: KEY_NAME, scopes: KEY_SCOPES });
  if (key.status !== 201) throw unexpected(`creating a key for the site ${slug}`, key);
  writeSecretFile(settings.keyFile, JSON.stringify({ siteId: existing.id, apiKey: key.body.key }));
  log(`site ${slug} exists (id ${existing.id}); created a fresh ${KEY_NAME} key`);
  return { id: existing.id, apiKey: key.body.key };
}

/** True when every field of `wanted` has the same value in `actual` (arrays compared whole, as the policy merge replaces them). */
function contains(actual: unknown, wanted: unknown): boolean {
  if (typeof wanted !== 'object' || wanted === null) return actual === wanted;
  if (typeof actual !== 'object' || actual === null) return false;
  if (Array.isArray(wanted)) {
    return Array.isArray(actual) && actual.length === wanted.length && wanted.every((item, index) => contains(actual[index], item));
  }
  return Object.entries(wanted).every(([key, value]) => contains((actual as Record<string, unknown>)[key], value));
}

/** The fixture's policy, put in force only when it differs, so every start does not add a policy version. */
async function ensurePolicy(settings: Settings, site: DemoSite, fixture: DemoFixture): Promise<void> {
  if (!fixture.policy) return;
  const current = await call<{ version: number; effective: unknown }>(settings, 'GET', `/v1/sites/${site.id}/policy`, site.apiKey);
  if (current.status !== 200) throw unexpected('reading the site policy', current);
  if (contains(current.body.effective, fixture.policy)) {
    log(`policy: the demo's settings are in force (version ${current.body.version})`);
    return;
  }
  const saved = await call<{ version: number }>(settings, 'PUT', `/v1/sites/${site.id}/policy`, site.apiKey, fixture.policy);
  if (saved.status !== 200) throw unexpected('setting the demo policy', saved);
  log(`policy: put the demo's settings in force (version ${saved.body.version}): ${JSON.stringify(fixture.policy)}`);
}

/**
 * Points the site's webhook at the demo site and hands the secret over through the secret file.
 * Threadkeeper shows a secret only when the webhook is created or its secret rotated, so on later
 * runs the secret is rotated: the file then always holds one that signs.
 */
async function ensureWebhook(settings: Settings, site: DemoSite): Promise<void> {
  const url = `${settings.demoSiteUrl}/webhooks/threadkeeper`;
  const configured = await call<{ secret?: unknown }>(settings, 'PUT', `/v1/sites/${site.id}/webhook`, site.apiKey, { url, events: WEBHOOK_EVENTS });
  // The site was found a moment ago, so a 404 here means the endpoint itself is missing.
  if (configured.status === 404) {
    throw new LoaderError('this Threadkeeper has no webhook endpoint (PUT /v1/sites/:siteId/webhook answered 404): it cannot publish to the demo site');
  }
  if (configured.status !== 200 && configured.status !== 201) throw unexpected('configuring the webhook', configured);
  let secret = configured.body?.secret;
  if (typeof secret === 'string') {
    log(`webhook: created, delivering ${WEBHOOK_EVENTS.join(', ')} to ${url}`);
  } else {
    const rotated = await call<{ secret?: unknown }>(settings, 'POST', `/v1/sites/${site.id}/webhook/rotate-secret`, site.apiKey, {});
    if (rotated.status !== 200 && rotated.status !== 201) throw unexpected('rotating the webhook secret', rotated);
    secret = rotated.body?.secret;
    log(`webhook: delivering ${WEBHOOK_EVENTS.join(', ')} to ${url}; secret rotated`);
  }
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) throw new LoaderError('Threadkeeper answered no whsec_ webhook secret');
  writeSecretFile(settings.secretFile, `${secret}\n`);
  log(`webhook: secret written to ${settings.secretFile} (mode 0600) for the demo site`);
}

/** Consecutive comments with no delay between them go in one batch. */
function batches(comments: DemoComment[]): { delayMs: number; comments: DemoComment[] }[] {
  const grouped: { delayMs: number; comments: DemoComment[] }[] = [];
  for (const comment of comments) {
    const delayMs = comment.delayMs ?? 0;
    if (grouped.length === 0 || delayMs > 0) grouped.push({ delayMs, comments: [comment] });
    else grouped[grouped.length - 1].comments.push(comment);
  }
  return grouped;
}

interface BatchResult {
  status: 'accepted' | 'duplicate' | 'conflict' | 'invalid';
  externalId?: string;
  message?: string;
  errors?: { field: string; problem: string }[];
}

async function sendComments(settings: Settings, site: DemoSite, fixture: DemoFixture): Promise<void> {
  const { article } = fixture;
  // The fixture's URL names the article's path; the origin is wherever the demo site runs.
  const articleUrl = new URL(new URL(article.url).pathname, settings.demoSiteUrl).href;
  const counts = { accepted: 0, duplicate: 0, conflict: 0, invalid: 0 };
  const failures: string[] = [];
  let alreadyLoaded = false;
  log(`sending ${fixture.comments.length} comments on "${article.title}"…`);
  for (const batch of batches(fixture.comments)) {
    // A thread loaded by an earlier run would only come back as duplicates: no point in pacing it.
    if (batch.delayMs > 0 && !alreadyLoaded) await new Promise((done) => setTimeout(done, batch.delayMs));
    const payload = batch.comments.map(({ externalId, parentId, author, body }) => ({
      externalId,
      articleId: article.id,
      articleTitle: article.title,
      articleUrl,
      ...(parentId === undefined ? {} : { parentId }),
      author,
      body,
    }));
    const answer = await call<{ results?: BatchResult[] }>(settings, 'POST', '/v1/comments/batch', site.apiKey, { comments: payload });
    const results = answer.body?.results;
    if (answer.status !== 200 || !Array.isArray(results) || results.length !== payload.length) throw unexpected('sending comments', answer);
    results.forEach((result, index) => {
      counts[result.status] += 1;
      if (result.status === 'conflict' || result.status === 'invalid') {
        const problems = result.errors?.map(({ field, problem }) => `${field} ${problem}`).join('; ') ?? result.message ?? '';
        failures.push(`${batch.comments[index].externalId}: ${result.status}${problems ? ` (${problems})` : ''}`);
      }
    });
    alreadyLoaded = results.every((result) => result.status === 'duplicate');
    const ids = batch.comments.map((comment) => comment.externalId);
    const tally = Object.entries(counts).filter(([, count]) => count > 0).map(([status, count]) => `${count} ${status}`).join(', ');
    log(`  ${ids.length === 1 ? ids[0] : `${ids[0]}…${ids[ids.length - 1]}`} sent (so far: ${tally})`);
  }
  if (failures.length > 0) {
    throw new LoaderError(
      `${failures.length} comments were refused:\n  ${failures.join('\n  ')}\n` +
        'A conflict means the fixture changed after an earlier run: give the changed comments new externalIds.',
    );
  }
  log(
    counts.accepted === 0
      ? `comments: all ${counts.duplicate} were sent by an earlier run`
      : `comments: ${counts.accepted} accepted, ${counts.duplicate} already there; Threadkeeper moderates them and publishes the approved ones`,
  );
  log(`open ${articleUrl}`);
}

async function main(): Promise<void> {
  const [command = 'all', fixturePath = 'fixtures/demo-thread.json'] = process.argv.slice(2);
  if (!['setup', 'comments', 'all'].includes(command)) {
    throw new LoaderError(`unknown command "${command}": use setup, comments, or nothing for both`);
  }
  const current = settings();
  let fixture: DemoFixture;
  try {
    fixture = readDemoFixture(resolve(fixturePath));
  } catch (error) {
    throw new LoaderError((error as Error).message);
  }
  const site = await ensureSite(current, fixture);
  if (command !== 'comments') {
    await ensurePolicy(current, site, fixture);
    await ensureWebhook(current, site);
  }
  if (command !== 'setup') await sendComments(current, site, fixture);
}

try {
  await main();
} catch (error) {
  if (!(error instanceof LoaderError)) throw error;
  process.stderr.write(`[demo] error: ${error.message}\n`);
  process.exit(1);
}
