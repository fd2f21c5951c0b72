import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { webhookHeaders } from '#app/publishing';
import { configureDemoSite, DEMO_SITE_APP_OPTIONS, DEMO_SITE_CSP } from '../apps/demo-site/src/configure-demo-site.js';
import { DemoSiteModule } from '../apps/demo-site/src/demo-site.module.js';
import { DemoSiteConfigError, loadDemoSiteConfig } from '../apps/demo-site/src/demo-site-config.js';
import type { ThreadComment } from '../apps/demo-site/src/webhook-events.js';

/*
 * The demo article site on its own, in this process: no database, no Threadkeeper. Deliveries are
 * signed here with node:crypto the way the Standard Webhooks contract says, so the test checks
 * the site against the contract rather than against the sender's code (one test does use the
 * sender's signer, to catch the two drifting apart).
 */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const OTHER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
/** The fixture's article: the site has its text. */
const DEMO_ARTICLE = 'millbrook-tram-line-approved';

let counter = 0;
function node(body: string, options: { name?: string; parentId?: string | null; children?: ThreadComment[] } = {}): ThreadComment {
  counter += 1;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    externalId: `c-${counter}`,
    parentId: options.parentId ?? null,
    author: { id: `reader-${counter}`, name: options.name ?? `Reader ${counter}` },
    body,
    createdAt: new Date(Date.UTC(2026, 0, 14, 9, counter)).toISOString(),
    children: options.children ?? [],
  };
}

function threadUpdated(threadVersion: number, comments: ThreadComment[], article: { id: string; title: string | null; url: string | null } = { id: DEMO_ARTICLE, title: null, url: null }): string {
  return JSON.stringify({ type: 'thread.updated', timestamp: new Date().toISOString(), data: { siteId: 'site-1', article, threadVersion, comments } });
}

function sign(body: string, options: { secrets?: string[]; timestamp?: number; id?: string } = {}): Record<string, string> {
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signatures = (options.secrets ?? [SECRET]).map((secret) => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
  });
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') };
}

describe('the demo article site', () => {
  let dataDir: string;
  let app: NestExpressApplication;

  async function startSite(): Promise<NestExpressApplication> {
    const config = loadDemoSiteConfig({ DEMO_WEBHOOK_SECRET: SECRET, DEMO_DATA_FILE: join(dataDir, 'threads.json'), THREADKEEPER_URL: 'http://tk.example:3000' });
    const moduleRef = await Test.createTestingModule({ imports: [DemoSiteModule.forRoot(config)] }).compile();
    const site = moduleRef.createNestApplication<NestExpressApplication>({ ...DEMO_SITE_APP_OPTIONS, logger: false });
    configureDemoSite(site);
    await site.init();
    return site;
  }

  const deliver = (body: string, headers: Record<string, string>) =>
    request(app.getHttpServer()).post('/webhooks/threadkeeper').set('Content-Type', 'application/json').set(headers).send(body);
  const articlePage = async (id = DEMO_ARTICLE) => (await request(app.getHttpServer()).get(`/articles/${id}`).expect(200)).text;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tk-demo-site-'));
    app = await startSite();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores a correctly signed thread and shows it nested, with authors and the thread version', async () => {
    const reply = node('Phasing the works is a good idea.', { name: 'Anna Kowalski' });
    const top = node('I run the bakery on Canal Street.', { name: 'Dave Pritchard', children: [reply] });
    // A reply whose parent is held stands at the top level, keeping its parentId.
    const detached = node('Nobody drives to buy a loaf? I do.', { parentId: 'c-held' });
    const body = threadUpdated(3, [top, detached]);
    const answer = await deliver(body, sign(body)).expect(200);
    expect(answer.body).toEqual({ status: 'stored' });

    const page = await articlePage();
    expect(page).toContain('Council approves £84m tram line'); // the site's own article text
    expect(page).toContain('Comments (3)');
    expect(page).toContain('Thread version 3');
    expect(page).toMatch(/Dave Pritchard[\s\S]*I run the bakery on Canal Street\.[\s\S]*<ol class="replies">[\s\S]*Anna Kowalski[\s\S]*Phasing the works/);
    expect(page).toMatch(/replying to a comment that is not shown<\/span><\/div>\s*<div class="comment-body">Nobody drives to buy a loaf\? I do\./);
    const index = (await request(app.getHttpServer()).get('/').expect(200)).text;
    expect(index).toContain(`href="/articles/${DEMO_ARTICLE}"`);
    expect(index).toContain('3 published comments');
  });

  it('shows untrusted text escaped, never as markup', async () => {
    const attack = '<script>alert("x")</script> & <a href=\'javascript:alert(1)\'>win</a>';
    const body = threadUpdated(4, [node(attack, { name: '<img src=x onerror=alert(1)>' })]);
    await deliver(body, sign(body)).expect(200);

    const page = await articlePage();
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;a href=&#39;javascript:alert(1)&#39;&gt;win&lt;/a&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<script');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('javascript:alert(1)\'>');

    // An article the site knows only from the webhook: its title is text too, its URL no link.
    const other = threadUpdated(1, [node('First!')], { id: 'other-article', title: '<b>Bold</b> "claims"', url: 'javascript:alert(1)' });
    await deliver(other, sign(other)).expect(200);
    const otherPage = await articlePage('other-article');
    expect(otherPage).toContain('<h1>&lt;b&gt;Bold&lt;/b&gt; &quot;claims&quot;</h1>');
    expect(otherPage).not.toContain('javascript:');
  });

  it('refuses a wrong signature, a changed body, missing headers and a stale or future timestamp with 401', async () => {
    const body = threadUpdated(50, [node('This must never be shown.')]);
    await deliver(body, sign(body, { secrets: [OTHER_SECRET] })).expect(401);
    await deliver(body, sign(body.replace('never', 'always'))).expect(401);
    await deliver(body, {}).expect(401);
    const { 'webhook-signature': _signature, ...unsigned } = sign(body);
    await deliver(body, unsigned).expect(401);
    const tenMinutes = 10 * 60;
    const old = await deliver(body, sign(body, { timestamp: Math.floor(Date.now() / 1000) - tenMinutes })).expect(401);
    expect(old.body.message).toContain('timestamp');
    await deliver(body, sign(body, { timestamp: Math.floor(Date.now() / 1000) + tenMinutes })).expect(401);

    expect(await articlePage()).not.toContain('This must never be shown.');
  });

  it('accepts a delivery signed with several secrets during a rotation when one of them is its own', async () => {
    const body = threadUpdated(5, [node('Signed twice during a rotation.')]);
    await deliver(body, sign(body, { secrets: [OTHER_SECRET, SECRET] })).expect(200);
    expect(await articlePage()).toContain('Signed twice during a rotation.');
  });

  it('verifies what Threadkeeper signs (the sender and this receiver agree on the contract)', async () => {
    const body = threadUpdated(6, [node('Signed by the publishing library.')]);
    const headers = webhookHeaders([SECRET], 'msg_from_sender', Math.floor(Date.now() / 1000), body);
    await deliver(body, headers).expect(200);
    expect(await articlePage()).toContain('Signed by the publishing library.');
  });

  it('drops a delivery whose thread version is not newer, answering 200 so it is not retried', async () => {
    const newer = threadUpdated(10, [node('Version ten is the newest.')]);
    await deliver(newer, sign(newer)).expect(200, { status: 'stored' });
    const older = threadUpdated(8, [node('Version eight arrived late.')]);
    await deliver(older, sign(older)).expect(200, { status: 'stale' });
    const same = threadUpdated(10, [node('Another version ten.')]);
    await deliver(same, sign(same)).expect(200, { status: 'stale' });

    const page = await articlePage();
    expect(page).toContain('Version ten is the newest.');
    expect(page).toContain('Thread version 10');
    expect(page).not.toContain('Version eight arrived late.');
    expect(page).not.toContain('Another version ten.');
  });

  it('refuses a signed body that is not a thread with 400', async () => {
    const body = JSON.stringify({ type: 'thread.updated', data: { siteId: 's', article: { id: DEMO_ARTICLE }, threadVersion: 'eleven', comments: [] } });
    const answer = await deliver(body, sign(body)).expect(400);
    expect(answer.body.message).toContain('threadVersion');
  });

  it('acknowledges per-comment events once and lists them in the activity log', async () => {
    const body = JSON.stringify({
      type: 'comment.held',
      timestamp: new Date().toISOString(),
      data: {
        siteId: 'site-1',
        comment: {
          id: 'x',
          externalId: 'mc-1008',
          articleId: DEMO_ARTICLE,
          status: 'held',
          author: { id: 'reader-rkeane', name: 'Rob <Keane>' },
          reasons: [{ code: 'list.directed_insult', message: 'Insult aimed at a person: "idiot"' }],
        },
      },
    });
    const headers = sign(body);
    await deliver(body, headers).expect(200, { status: 'logged' });
    await deliver(body, headers).expect(200, { status: 'duplicate' });

    const page = await articlePage();
    expect(page).toContain('badge-held');
    expect(page).toContain('Rob &lt;Keane&gt;');
    expect(page).toContain('Insult aimed at a person: &quot;idiot&quot;');
    expect(page.match(/mc-1008/g)).toHaveLength(1);
  });

  it('sends a strict Content-Security-Policy with every page and serves its stylesheet', async () => {
    for (const path of ['/', `/articles/${DEMO_ARTICLE}`, '/articles/no-such-article', '/site.css', '/health']) {
      const answer = await request(app.getHttpServer()).get(path);
      expect(answer.headers['content-security-policy']).toBe(DEMO_SITE_CSP);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(DEMO_SITE_CSP).toBe("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    const css = await request(app.getHttpServer()).get('/site.css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.text).toContain('.comment-body');
    await request(app.getHttpServer()).get('/articles/no-such-article').expect(404);
    await request(app.getHttpServer()).get('/health').expect(200);
    expect(await articlePage()).toContain('href="http://tk.example:3000/console/"');
  });

  it('keeps the latest threads across a restart', async () => {
    const restarted = await startSite();
    try {
      const page = (await request(restarted.getHttpServer()).get(`/articles/${DEMO_ARTICLE}`).expect(200)).text;
      expect(page).toContain('Version ten is the newest.');
      const older = threadUpdated(9, [node('Still older than what was saved.')]);
      await request(restarted.getHttpServer())
        .post('/webhooks/threadkeeper')
        .set('Content-Type', 'application/json')
        .set(sign(older))
        .send(older)
        .expect(200, { status: 'stale' });
    } finally {
      await restarted.close();
    }
  });
});

describe('the demo site configuration', () => {
  it('names every bad or missing variable', () => {
    const problems = (env: NodeJS.ProcessEnv): string[] => {
      try {
        loadDemoSiteConfig(env);
      } catch (error) {
        if (error instanceof DemoSiteConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    const bad = problems({ DEMO_SITE_PORT: 'eighty', DEMO_WEBHOOK_SECRET: 'not-a-secret', THREADKEEPER_URL: 'ftp://x' });
    expect(bad).toEqual([
      expect.stringMatching(/^DEMO_SITE_PORT \(invalid\)/),
      expect.stringMatching(/^THREADKEEPER_URL \(invalid\)/),
      expect.stringMatching(/^DEMO_WEBHOOK_SECRET \(invalid\): must start with whsec_/),
    ]);
    const missing = problems({ DEMO_WEBHOOK_SECRET_FILE: join(tmpdir(), `no-such-secret-${randomBytes(4).toString('hex')}`) });
    expect(missing).toEqual([expect.stringMatching(/^DEMO_WEBHOOK_SECRET \(missing\).*load-demo\.js setup/)]);
  });
});
