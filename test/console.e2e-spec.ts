import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { closeBrowser, launchBrowser, type OpenedPage, openPage, screenshot } from './support/browser.js';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const PASSWORD = 'correct horse battery staple';
const BRIDGE = { articleId: 'bridge-vote', articleTitle: 'Council approves the new river bridge', articleUrl: 'https://news.example/bridge-vote' };

/**
 * The moderators' console in a real Chromium against the real API and worker: log in, read why a
 * comment is held, decide with the keyboard and in bulk, see claims and new comments live, and
 * never run a comment's markup.
 */
describe('moderators’ web console', () => {
  let stack: Stack;
  let baseUrl: string;
  let site: { id: string; apiKey: string };
  let ann: { email: string; name: string };
  let browser: Browser;
  let opened: OpenedPage;
  let page: Page;

  /** Comments the tests act on, by role. */
  const ids: Record<string, string> = {};
  const bulkIds: string[] = [];
  const banIds: string[] = [];
  const articles = { keyboard: unique('kbd-article'), bulk: unique('bulk-article'), xss: unique('xss-article'), ban: unique('ban-article') };

  async function createModerator(name: string) {
    const email = `${unique(name.toLowerCase())}@news.example`;
    await request(stack.http)
      .post('/v1/admin/moderators')
      .set(bearer(ADMIN_TOKEN))
      .send({ email, name, password: PASSWORD, role: 'moderator', siteIds: [site.id] })
      .expect(201);
    return { email, name };
  }

  /** Sends a comment and waits for the worker: the site pre-moderates, so it is held. */
  async function held(overrides: Record<string, unknown> = {}): Promise<string> {
    const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload(overrides)).expect(202);
    const decided = await waitForDecision(stack, site.apiKey, accepted.body.id);
    expect(decided.status).toBe('held');
    return accepted.body.id;
  }

  const statusOf = async (id: string) =>
    (await request(stack.http).get(`/v1/comments/${id}`).set(bearer(site.apiKey)).expect(200)).body.status as string;

  const card = (id: string) => page.locator(`[data-card="${id}"]`);
  const tabCount = async (status: string) => Number(await page.locator(`#tab-${status} .tab-count`).textContent());

  /** Moves focus off any field, as a moderator does before using the shortcuts. */
  const blur = () => page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

  /** Sets the article filter the way a moderator does, then leaves the field so shortcuts work. */
  async function filterArticle(articleId: string) {
    await page.getByLabel('Article', { exact: true }).fill(articleId);
    await page.getByLabel('Article', { exact: true }).press('Enter');
    await page.getByLabel('Article', { exact: true }).press('Escape');
    await page.waitForFunction((a) => new URL(location.href).searchParams.get('articleId') === a, articleId);
    expect(await page.getByLabel('Article', { exact: true }).inputValue()).toBe(articleId);
  }

  beforeAll(async () => {
    const [started, launched] = await Promise.all([startStack(), launchBrowser()]);
    stack = started;
    browser = launched;
    await stack.api.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(stack.api.getHttpServer().address() as AddressInfo).port}`;

    site = await createSite(stack, 'The Daily Bridge');
    await request(stack.http)
      .put(`/v1/sites/${site.id}/policy`)
      .set(bearer(site.apiKey))
      .send({ mode: 'pre', wordList: [{ term: 'numpty', category: 'insult', action: 'hold' }] })
      .expect(200);
    ann = await createModerator('Ann');

    // The queue a moderator finds in the morning: context, a marked insult, ordinary comments.
    // Groups run side by side; within a group (one article or author) one at a time.
    const bridgeThread = async () => {
      const parentExternalId = unique('parent');
      await held({ ...BRIDGE, externalId: parentExternalId, author: { id: unique('r'), name: 'Maria Lopez', approvedCount: 14 }, body: 'Finally. The old crossing has been closing for repairs every other month.' });
      ids.insult = await held({
        ...BRIDGE,
        parentId: parentExternalId,
        author: { id: unique('r'), name: 'Gary P.', accountCreatedAt: new Date(Date.now() - 3 * 86_400_000).toISOString() },
        body: 'Only a numpty would believe the council will finish it on time.',
      });
      await held({ ...BRIDGE, author: { id: unique('r'), name: 'Priya S.', approvedCount: 48 }, body: 'The cost estimate in the third paragraph is missing the maintenance budget.' });
    };
    const bulk = async () => {
      for (const n of [1, 2, 3]) {
        bulkIds.push(await held({ articleId: articles.bulk, articleTitle: 'Market square gets new benches', author: { id: unique('r'), name: `Bulk Reader ${n}` }, body: `Spam offer number ${n}: cheap benches at my shop.` }));
      }
    };
    const troll = async () => {
      const banned = { id: unique('troll'), name: 'Repeat Troll' };
      for (const body of ['First of my many complaints about this paper.', 'Second complaint, still unhappy.']) {
        banIds.push(await held({ articleId: articles.ban, articleTitle: 'Letters to the editor', author: banned, body }));
      }
    };
    await Promise.all([
      bridgeThread(),
      bulk(),
      troll(),
      held({ articleId: 'school-meals', articleTitle: 'Free school meals extended to all primary pupils', articleUrl: 'https://news.example/school-meals', author: { id: unique('r'), name: 'Tom Becker' }, body: 'Good news for families here.\nOur school has been asking for this for years.' }),
      held({ articleId: articles.keyboard, articleTitle: 'Night buses return to the ring road', author: { id: unique('r'), name: 'Keyboard Kim' }, body: 'About time the night buses came back.' }).then((id) => (ids.keyboard = id)),
    ]);

    opened = await openPage(browser, baseUrl);
    page = opened.page;
  }, 60_000);

  afterAll(async () => {
    await opened?.context.close().catch(() => {});
    await closeBrowser(browser);
    await stack?.close();
  });

  afterEach(() => {
    // Whatever a test did, the page never ran injected code and never broke its own CSP.
    if (!opened) return;
    expect(opened.problems.dialogs).toEqual([]);
    expect(opened.problems.cspViolations).toEqual([]);
    expect(opened.problems.errors).toEqual([]);
  });

  it('is served under a strict Content-Security-Policy', async () => {
    const html = await request(stack.http).get('/console/').expect(200);
    const csp = html.headers['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(html.headers['x-content-type-options']).toBe('nosniff');
    expect(html.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i); // no inline code or style
    const script = await request(stack.http).get('/console/app.js').expect(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['content-security-policy']).toBe(csp);
    // Without its trailing slash the console is the same page; every answer under /console carries
    // the headers, a missing file's too.
    const bare = await request(stack.http).get('/console').expect(200);
    expect(bare.text).toBe(html.text);
    const missing = await request(stack.http).get('/console/no-such-file.js').expect(404);
    for (const answer of [bare, missing]) {
      expect(answer.headers['content-security-policy']).toBe(csp);
      expect(answer.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('logs a moderator in, refusing a wrong password with a message', async () => {
    await page.goto('/console/');
    await page.getByRole('heading', { name: 'Threadkeeper' }).waitFor();
    await page.getByLabel('Email').fill(ann.email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await screenshot(page, '01-login-refused');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#whoami').filter({ hasText: 'Ann' }).waitFor();
    await page.getByRole('tab', { name: /Held/ }).waitFor();
    expect(await page.getByRole('tab', { name: /Held/ }).getAttribute('aria-selected')).toBe('true');
    // The session is an httpOnly cookie: no script can read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('tk_session');
  });

  it('shows the held queue with counts, and marks the words that held a comment', async () => {
    await card(ids.insult).waitFor();
    expect(await tabCount('held')).toBeGreaterThanOrEqual(10);
    const api = await request(stack.http).get(`/v1/comments/${ids.insult}`).set(bearer(site.apiKey)).expect(200);
    const spans = api.body.decision.reasons.flatMap((r: { spans: { text: string }[] }) => r.spans.map((s) => s.text));
    expect(spans).toContain('numpty');
    expect(await card(ids.insult).locator('mark').allTextContents()).toEqual(['numpty']);

    // Opening it: the full text marked, the reply's context, the article link, and the claim.
    await card(ids.insult).click();
    const detail = page.locator('#detail');
    await detail.locator('.detail-body mark').first().waitFor();
    expect(await detail.locator('.detail-body mark').allTextContents()).toEqual(['numpty']);
    expect(await detail.locator('.detail-body').textContent()).toBe('Only a numpty would believe the council will finish it on time.');
    expect(await detail.locator('.parent').textContent()).toContain('Maria Lopez');
    expect(await detail.locator('.reasons').textContent()).toContain('policy.premoderation');
    const link = detail.getByRole('link', { name: 'Council approves the new river bridge' });
    expect(await link.getAttribute('href')).toBe('https://news.example/bridge-vote');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    await page.locator('#claim-banner').filter({ hasText: /^Claimed by you until \d{2}:\d{2}$/ }).waitFor();
    await page.locator('#audit-heading').waitFor();
    await screenshot(page, '02-held-queue-with-reasons');
  });

  it('approves with the keyboard: j selects, a approves, the comment leaves the held queue', async () => {
    await filterArticle(articles.keyboard);
    await card(ids.keyboard).waitFor();
    expect(await page.locator('[data-card]').count()).toBe(1);
    // Counts follow the site and article filters.
    await page.waitForFunction(() => document.querySelector('#tab-held .tab-count')?.textContent === '1');

    await page.keyboard.press('j');
    await page.locator(`[data-card="${ids.keyboard}"].is-current`).waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-card'))).toBe(ids.keyboard);
    await page.locator('#detail .detail-body').filter({ hasText: 'About time the night buses came back.' }).waitFor();
    await page.keyboard.press('a');

    await card(ids.keyboard).waitFor({ state: 'detached' });
    await page.getByText('No held comments match these filters.').waitFor();
    // The list moves on at once; the announcement comes with the API's answer.
    await page.locator('#announcer').filter({ hasText: 'Approved the comment by Keyboard Kim.' }).waitFor({ state: 'attached' });
    expect(await statusOf(ids.keyboard)).toBe('approved');
    expect(await tabCount('held')).toBe(0);
    expect(await tabCount('approved')).toBe(1);

    // In the Approved queue (key 4), its audit trail names the moderator.
    await page.keyboard.press('4');
    expect(await page.getByRole('tab', { name: /Approved/ }).getAttribute('aria-selected')).toBe('true');
    await card(ids.keyboard).click();
    await page.locator('#detail .audit li').filter({ hasText: 'Ann' }).filter({ hasText: 'approved the comment' }).waitFor();
    await page.keyboard.press('1');
    await page.getByRole('tab', { name: /Held/, selected: true }).waitFor();
  });

  it('rejects three comments at once with the bulk action', async () => {
    await filterArticle(articles.bulk);
    for (const id of bulkIds) await card(id).waitFor();
    // Two by clicking their checkboxes, one with the keyboard (j to it, x to select it).
    await card(bulkIds[0]).getByRole('checkbox').check();
    await card(bulkIds[1]).getByRole('checkbox').check();
    const third = await page.locator('[data-card]').evaluateAll((els, chosen) => els.findIndex((el) => !chosen.includes(el.getAttribute('data-card')!)), bulkIds.slice(0, 2));
    await blur();
    for (let i = 0; i <= third; i++) await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.getByText('3 selected').waitFor();
    await page.getByLabel('Reason for the selected comments').selectOption('spam');
    await screenshot(page, '03-bulk-selected');

    await page.getByRole('button', { name: 'Reject selected' }).click();
    await page.locator('.toast').filter({ hasText: 'Rejected 3 comments.' }).waitFor();
    for (const id of bulkIds) await card(id).waitFor({ state: 'detached' });
    expect(await Promise.all(bulkIds.map(statusOf))).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await page.getByText('0 selected').isVisible()).toBe(true);
  });

  it('shows markup in comments as text and runs none of it', async () => {
    const payloads = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=1"> and javascript:alert(1)';
    const hostile = {
      articleId: articles.xss,
      articleTitle: '<img src=x onerror="window.__xss=1">Headline',
      articleUrl: 'javascript:alert(1)',
      author: { id: unique('x'), name: '<script>window.__xss=1</script>' },
      body: payloads,
    };
    const refused = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload(hostile));
    // The API refuses a javascript: article URL (400); the console is then tested with it in the body.
    expect(refused.status).toBe(400);
    ids.xss = await held({ ...hostile, articleUrl: undefined });

    await filterArticle(articles.xss);
    await card(ids.xss).click();
    const detail = page.locator('#detail');
    await detail.locator('.detail-body').filter({ hasText: 'window.__xss' }).waitFor();
    await detail.locator('#audit-heading').waitFor();
    expect(await detail.locator('.detail-body').textContent()).toBe(payloads);
    expect(await card(ids.xss).locator('.card-body').textContent()).toBe(payloads);
    expect(await detail.locator('.detail-title').textContent()).toContain('<script>window.__xss=1</script>');
    expect(await detail.locator('.article-title').textContent()).toBe('<img src=x onerror="window.__xss=1">Headline');
    // Nothing became an element or a link, nothing ran.
    expect(await page.locator('#app img, #app script').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // Only absolute http(s) URLs ever become article links.
    const linkable = await page.evaluate(async () => {
      const modulePath: string = '/console/text.js'; // the console's own module, as the page loads it
      const { safeHttpUrl } = (await import(modulePath)) as { safeHttpUrl: (url: string) => string | null };
      return ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>1</script>', '//evil.example/x', '/relative', 'https://news.example/a']
        .map((url) => safeHttpUrl(url));
    });
    expect(linkable).toEqual([null, null, null, null, null, 'https://news.example/a']);
    await screenshot(page, '04-markup-shown-as-text');
    expect(opened.problems.dialogs).toEqual([]);
  });

  it('shows new comments without a reload, keeping the selection and the scroll position', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await card(ids.insult).waitFor();
    await page.evaluate(() => ((window as unknown as { __sameDocument?: boolean }).__sameDocument = true));
    await card(ids.insult).getByRole('checkbox').check();
    const scroller = page.locator('#queue-scroll');
    await scroller.evaluate((el) => (el.scrollTop = 40));
    const scrollBefore = await scroller.evaluate((el) => el.scrollTop);
    const heldBefore = await tabCount('held');

    const fresh = await held({ ...BRIDGE, author: { id: unique('r'), name: 'Late Arrival' }, body: 'Just read this, the bridge design looks great.' });
    await card(fresh).waitFor({ timeout: 10_000 });
    await page.waitForFunction((n) => Number(document.querySelector('#tab-held .tab-count')?.textContent) === n + 1, heldBefore);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await card(ids.insult).getByRole('checkbox').isChecked()).toBe(true);
    expect(await page.getByText('1 selected').isVisible()).toBe(true);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(scrollBefore);
    expect(await page.locator('#announcer').textContent()).toMatch(/1 new comment/);
    await card(ids.insult).getByRole('checkbox').uncheck();
    await scroller.evaluate((el) => (el.scrollTop = 0));
  });

  it('shows who holds a claim and does not let a second moderator decide over it', async () => {
    const bo = await createModerator('Bo');
    const agent = request.agent(stack.http);
    await agent.post('/v1/auth/login').send({ email: bo.email, password: PASSWORD }).expect(200);
    const target = await held({ ...BRIDGE, author: { id: unique('r'), name: 'Claimed Carla' }, body: 'Will there be a cycle lane on the bridge?' });
    const opened = await agent.get(`/v1/moderation/comments/${target}`).expect(200);
    expect(opened.body.claim).toMatchObject({ name: 'Bo', mine: true });

    await card(target).locator('.badge-claim').filter({ hasText: 'Claimed by Bo' }).waitFor({ timeout: 10_000 });
    await card(target).click();
    await page.locator('#claim-banner').filter({ hasText: /^Claimed by Bo until \d{2}:\d{2}$/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).isDisabled()).toBe(true);
    await blur();
    await page.keyboard.press('a');
    await page.getByRole('alert').filter({ hasText: 'Claimed by Bo' }).first().waitFor();
    expect(await statusOf(target)).toBe('held');
    await screenshot(page, '05-claimed-by-someone-else');
  });

  it("opens an author's history and bans them, rejecting their held comments", async () => {
    await filterArticle(articles.ban);
    for (const id of banIds) await card(id).waitFor();
    await card(banIds[0]).click();
    await page.locator('#detail .author').waitFor();
    await page.getByText('History and standing').click();
    const panel = page.locator('#detail .author-more-body');
    await panel.getByText('Recent comments (2)').waitFor();
    await panel.getByLabel('Banned').check();
    await panel.getByLabel('Also reject their held comments').check();
    await panel.getByLabel(/^Reason/).fill('Two complaints in a row, both abusive');
    await screenshot(page, '06-author-panel');
    await panel.getByRole('button', { name: 'Apply standing' }).click();

    for (const id of banIds) await card(id).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await Promise.all(banIds.map(statusOf))).toEqual(['rejected', 'rejected']);
    const [author] = await stack.db.query(`SELECT trust, trust_reason FROM authors WHERE site_id = $1 AND display_name = 'Repeat Troll'`, [site.id]);
    expect(author).toEqual({ trust: 'banned', trust_reason: 'Two complaints in a row, both abusive' });
  });

  it('lists the shortcuts on ?, and ignores them while typing in a field', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await card(ids.insult).waitFor();
    await blur();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    for (const text of ['Next comment', 'Previous comment', 'Approve the open comment', 'Reject the open comment', 'Select or unselect']) {
      expect(await dialog.getByText(text).isVisible()).toBe(true);
    }
    await screenshot(page, '07-shortcuts-help');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // Typing "a", "r", "j" into a filter types them; no comment is decided.
    await card(ids.insult).click();
    const heldBefore = await tabCount('held');
    await page.getByLabel('Reason', { exact: true }).fill('');
    await page.getByLabel('Reason', { exact: true }).pressSequentially('ajrx');
    expect(await page.getByLabel('Reason', { exact: true }).inputValue()).toBe('ajrx');
    await page.getByLabel('Reason', { exact: true }).fill('');
    await page.getByLabel('Reason', { exact: true }).press('Escape');
    expect(await statusOf(ids.insult)).toBe('held');
    expect(await tabCount('held')).toBe(heldBefore);
  });

  it('logs out', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await page.evaluate(async () => (await fetch('/v1/auth/me')).status)).toBe(401);
  });
});
