import request from 'supertest';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A logged-in moderator: a supertest agent keeps the session cookie; mutations carry the CSRF token. */
interface Session {
  agent: request.Agent;
  csrf: string;
  id: string;
}

describe('moderator review API', () => {
  let stack: Stack;
  let siteA: { id: string; apiKey: string };
  let siteB: { id: string; apiKey: string };
  let ann: Session;
  let bo: Session;

  async function createModerator(siteIds: string[], role: 'moderator' | 'admin' = 'moderator') {
    const email = `${unique('mod')}@news.example`;
    const password = 'correct horse battery staple';
    const created = await request(stack.http)
      .post('/v1/admin/moderators')
      .set(bearer(ADMIN_TOKEN))
      .send({ email, name: `Mod ${email.slice(4, 12)}`, password, role, siteIds })
      .expect(201);
    return { email, password, id: created.body.id as string };
  }

  async function login(email: string, password: string): Promise<Session> {
    const agent = request.agent(stack.http);
    const response = await agent.post('/v1/auth/login').send({ email, password }).expect(200);
    expect(response.headers['set-cookie'][0]).toMatch(/tk_session=.+; .*HttpOnly.*SameSite=Strict/i);
    return { agent, csrf: response.body.csrfToken, id: response.body.moderator.id };
  }

  /** A comment held for review: the site is in pre-moderation mode. */
  async function heldComment(site: { apiKey: string }, overrides: Record<string, unknown> = {}) {
    const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload(overrides)).expect(202);
    const decided = await waitForDecision(stack, site.apiKey, accepted.body.id);
    expect(decided.status).toBe('held');
    return accepted.body.id as string;
  }

  beforeAll(async () => {
    stack = await startStack();
    siteA = await createSite(stack, 'Site A');
    siteB = await createSite(stack, 'Site B');
    for (const site of [siteA, siteB]) {
      await request(stack.http).put(`/v1/sites/${site.id}/policy`).set(bearer(site.apiKey)).send({ mode: 'pre' }).expect(200);
    }
    const annAccount = await createModerator([siteA.id]);
    const boAccount = await createModerator([siteA.id]);
    ann = await login(annAccount.email, annAccount.password);
    bo = await login(boAccount.email, boAccount.password);
  });
  afterAll(() => stack.close());

  describe('accounts and sessions', () => {
    it('refuses wrong passwords, then locks the account; the right password works again after the lock', async () => {
      const account = await createModerator([siteA.id]);
      for (let i = 0; i < 4; i++) {
        const wrong = await request(stack.http).post('/v1/auth/login').send({ email: account.email, password: 'wrong password!!' }).expect(401);
        expect(wrong.body).toMatchObject({ error: 'unauthorized', message: 'Wrong e-mail or password' });
      }
      const locked = await request(stack.http).post('/v1/auth/login').send({ email: account.email, password: 'wrong password!!' }).expect(423);
      expect(locked.body.error).toBe('account_locked');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
      // Even the right password is refused while locked.
      await request(stack.http).post('/v1/auth/login').send({ email: account.email, password: account.password }).expect(423);
      await stack.db.query(`UPDATE moderators SET locked_until = now() - interval '1 second' WHERE id = $1`, [account.id]);
      await request(stack.http).post('/v1/auth/login').send({ email: account.email, password: account.password }).expect(200);
      // An unknown e-mail gets the same answer as a wrong password.
      const unknown = await request(stack.http).post('/v1/auth/login').send({ email: 'nobody@news.example', password: 'whatever it is' }).expect(401);
      expect(unknown.body.message).toBe('Wrong e-mail or password');
    });

    it('stores only a scrypt hash, requires the CSRF token for changes, and logs out', async () => {
      const account = await createModerator([siteA.id]);
      const [row] = await stack.db.query('SELECT password_hash FROM moderators WHERE id = $1', [account.id]);
      expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(row.password_hash).not.toContain(account.password);

      const session = await login(account.email, account.password);
      const me = await session.agent.get('/v1/auth/me').expect(200);
      expect(me.body).toMatchObject({ moderator: { id: account.id, role: 'moderator', siteIds: [siteA.id] }, csrfToken: session.csrf });
      const id = await heldComment(siteA);
      const noToken = await session.agent.post(`/v1/moderation/comments/${id}/decision`).send({ action: 'approve' }).expect(403);
      expect(noToken.body.message).toBe('Missing or wrong X-CSRF-Token header');
      await session.agent.post(`/v1/moderation/comments/${id}/decision`).set('X-CSRF-Token', 'forged').send({ action: 'approve' }).expect(403);
      await session.agent.post('/v1/auth/logout').set('X-CSRF-Token', session.csrf).expect(204);
      await session.agent.get('/v1/moderation/queue').expect(401);
    });

    it('lets only the admin token or admin moderators manage moderators', async () => {
      await ann.agent.post('/v1/admin/moderators').set('X-CSRF-Token', ann.csrf).send({}).expect(403);
      const admin = await createModerator([], 'admin');
      const adminSession = await login(admin.email, admin.password);
      const created = await adminSession.agent
        .post('/v1/admin/moderators')
        .set('X-CSRF-Token', adminSession.csrf)
        .send({ email: `${unique('x')}@news.example`, name: 'X', password: 'long enough password', role: 'moderator', siteIds: [siteB.id] })
        .expect(201);
      const short = await request(stack.http).post('/v1/admin/moderators').set(bearer(ADMIN_TOKEN))
        .send({ email: 'a@b.example', name: 'A', password: 'short', role: 'moderator', siteIds: ['not-a-uuid'] }).expect(400);
      expect(short.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['password', 'siteIds']);
      await request(stack.http).patch(`/v1/admin/moderators/${created.body.id}`).set(bearer(ADMIN_TOKEN)).send({ disabled: true }).expect(200);
      const audit = await adminSession.agent.get('/v1/moderation/audit').query({ actor: `moderator:${admin.id}` }).expect(200);
      expect(audit.body.items.map((e: { action: string }) => e.action)).toContain('moderator.create');
    });
  });

  describe('queues', () => {
    it('lists held comments with context, reasons, author summary and counts, only of the moderator\'s sites', async () => {
      const parentExternal = unique('parent');
      await request(stack.http).post('/v1/comments').set(bearer(siteA.apiKey)).send(commentPayload({ externalId: parentExternal, articleId: 'queue-article' })).expect(202);
      const id = await heldComment(siteA, { parentId: parentExternal, articleId: 'queue-article', articleTitle: 'Queue article', body: 'You are an idiot and a liar.' });
      await heldComment(siteB, { articleId: 'queue-article' });

      const queue = await ann.agent.get('/v1/moderation/queue').query({ status: 'held', articleId: 'queue-article', sort: 'newest' }).expect(200);
      expect(queue.body.items.every((item: { siteId: string }) => item.siteId === siteA.id)).toBe(true);
      const item = queue.body.items.find((i: { id: string }) => i.id === id);
      expect(item).toMatchObject({
        status: 'held',
        article: { id: 'queue-article', title: 'Queue article' },
        parent: { externalId: parentExternal, author: { name: 'A Reader' } },
        author: { name: 'A Reader', approvedCount: 0, rejectedCount: 0, trust: null },
        decision: { action: 'hold', decidedBy: 'system' },
        claim: null,
      });
      const insult = item.decision.reasons.find((r: { category: string }) => r.category === 'insult');
      expect(insult.spans[0]).toMatchObject({ text: 'idiot' });
      expect(queue.body.counts).toMatchObject({ held: expect.any(Number), reported: expect.any(Number), pending: expect.any(Number), approved: expect.any(Number), rejected: expect.any(Number) });
      expect(queue.body.counts.held).toBeGreaterThanOrEqual(2);

      const byCategory = await ann.agent.get('/v1/moderation/queue').query({ status: 'held', category: 'insult' }).expect(200);
      expect(byCategory.body.items.map((i: { id: string }) => i.id)).toContain(id);
      const byScore = await ann.agent.get('/v1/moderation/queue').query({ status: 'held', sort: 'score', limit: 1 }).expect(200);
      expect(byScore.body.nextCursor).toEqual(expect.any(String));
      await ann.agent.get('/v1/moderation/queue').query({ status: 'held', sort: 'score', cursor: byScore.body.nextCursor }).expect(200);
      // Hand-made cursors with keys the API never writes: a 400, never a database error.
      const handMade = (key: string) => Buffer.from(JSON.stringify([key, '00000000-0000-0000-0000-000000000000'])).toString('base64url');
      for (const [sort, key] of [['score', '0b1'], ['score', '0x10'], ['score', '1e-400'], ['score', ' 1'], ['oldest', 'foo 2'], ['newest', '2026-02-30 00:00:00+00']]) {
        const refused = await ann.agent.get('/v1/moderation/queue').query({ status: 'held', sort, cursor: handMade(key) });
        expect([key, refused.status, refused.body.details]).toEqual([key, 400, [{ field: 'cursor', problem: 'is not a cursor this API returned' }]]);
      }
      const bad = await ann.agent.get('/v1/moderation/queue').query({ status: 'spam', sort: 'loud' }).expect(400);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['sort', 'status']);
    });

    it('answers 404 for anything of a site the moderator or key may not see', async () => {
      const idB = await heldComment(siteB);
      await ann.agent.get(`/v1/moderation/comments/${idB}`).expect(404);
      await ann.agent.post(`/v1/moderation/comments/${idB}/decision`).set('X-CSRF-Token', ann.csrf).send({ action: 'approve' }).expect(404);
      await request(stack.http).get(`/v1/moderation/comments/${idB}`).set(bearer(siteA.apiKey)).expect(404);
      const viaKey = await request(stack.http).get(`/v1/moderation/comments/${idB}`).set(bearer(siteB.apiKey)).expect(200);
      expect(viaKey.body.id).toBe(idB);
      const reader = await request(stack.http).post(`/v1/admin/sites/${siteB.id}/keys`).set(bearer(ADMIN_TOKEN)).send({ name: 'r', scopes: ['comments:read'] }).expect(201);
      await request(stack.http).get('/v1/moderation/queue').set(bearer(reader.body.key)).expect(403);
      const sites = await ann.agent.get('/v1/moderation/sites').expect(200);
      expect(sites.body.map((s: { id: string }) => s.id)).toEqual([siteA.id]);
    });
  });

  describe('claims and decisions', () => {
    it('claims an opened comment, shows the claim to others, and refuses their decision until it is released', async () => {
      const id = await heldComment(siteA);
      const opened = await ann.agent.get(`/v1/moderation/comments/${id}`).expect(200);
      expect(opened.body.claim).toMatchObject({ name: expect.stringMatching(/^Mod /), mine: true });
      const seenByBo = await bo.agent.get(`/v1/moderation/comments/${id}`).expect(200);
      expect(seenByBo.body.claim).toMatchObject({ mine: false });
      const refused = await bo.agent.post(`/v1/moderation/comments/${id}/decision`).set('X-CSRF-Token', bo.csrf).send({ action: 'approve' }).expect(409);
      expect(refused.body.message).toMatch(/is reviewing this comment/);
      await bo.agent.post(`/v1/moderation/comments/${id}/claim`).set('X-CSRF-Token', bo.csrf).expect(409);

      await ann.agent.delete(`/v1/moderation/comments/${id}/claim`).set('X-CSRF-Token', ann.csrf).expect(204);
      const decided = await bo.agent
        .post(`/v1/moderation/comments/${id}/decision`)
        .set('X-CSRF-Token', bo.csrf)
        .send({ action: 'approve', reasonCode: 'false_positive', note: 'Sarcasm, not abuse' })
        .expect(200);
      expect(decided.body).toMatchObject({ status: 'approved', claim: null, decision: { action: 'approve', decidedBy: 'moderator', by: `moderator:${bo.id}` } });
      const publicView = await request(stack.http).get(`/v1/comments/${id}`).set(bearer(siteA.apiKey)).expect(200);
      expect(publicView.body.decision.reasons[0]).toMatchObject({ code: 'moderator.false_positive', message: 'Flagged by mistake: Sarcasm, not abuse' });
      const [row] = await stack.db.query('SELECT published_revision FROM comments WHERE id = $1', [id]);
      expect(row.published_revision).toBe(1);

      const audit = await ann.agent.get('/v1/moderation/audit').query({ commentId: id }).expect(200);
      expect(audit.body.items[0]).toMatchObject({
        actor: `moderator:${bo.id}`, action: 'comment.approve', before: { status: 'held' }, after: { status: 'approved', reasonCode: 'false_positive' }, reason: 'Sarcasm, not abuse',
      });
      const badCode = await ann.agent.post(`/v1/moderation/comments/${id}/decision`).set('X-CSRF-Token', ann.csrf).send({ action: 'approve', reasonCode: 'spam' }).expect(400);
      expect(badCode.body.details[0].field).toBe('reasonCode');
    });

    it('applies a bulk decision per item', async () => {
      const ids = [await heldComment(siteA), await heldComment(siteA), await heldComment(siteA)];
      await bo.agent.get(`/v1/moderation/comments/${ids[2]}`).expect(200); // Bo holds the third
      const idB = await heldComment(siteB);
      const bulk = await ann.agent
        .post('/v1/moderation/decisions')
        .set('X-CSRF-Token', ann.csrf)
        .send({ ids: [...ids, idB], action: 'reject', reasonCode: 'spam' })
        .expect(200);
      expect(bulk.body.results.map((r: { ok: boolean; status?: string; error?: { error: string } }) => r.ok ? r.status : r.error!.error)).toEqual([
        'rejected', 'rejected', 'conflict', 'not_found',
      ]);
    });

    it('is usable with a site key that has the moderation scope', async () => {
      const id = await heldComment(siteA);
      const decided = await request(stack.http).post(`/v1/moderation/comments/${id}/decision`).set(bearer(siteA.apiKey)).send({ action: 'reject', reasonCode: 'insult' }).expect(200);
      expect(decided.body).toMatchObject({ status: 'rejected', decision: { by: expect.stringMatching(/^key:/) } });
    });
  });

  describe('authors', () => {
    it('bans with removal of waiting comments, trusts, always holds and clears, each audited and reversible', async () => {
      const author = { id: unique('troll'), name: 'Troll' };
      const first = await heldComment(siteA, { author });
      const second = await heldComment(siteA, { author });
      const item = await ann.agent.get(`/v1/moderation/comments/${first}`).expect(200);
      const authorId = item.body.author.id;

      const banned = await ann.agent
        .post(`/v1/moderation/authors/${authorId}/standing`)
        .set('X-CSRF-Token', ann.csrf)
        .send({ standing: 'banned', reason: 'Serial abuse', rejectHeld: true })
        .expect(200);
      expect(banned.body).toMatchObject({ trust: 'banned', trustReason: 'Serial abuse', rejectedCount: 2 });
      for (const id of [first, second]) {
        expect((await request(stack.http).get(`/v1/comments/${id}`).set(bearer(siteA.apiKey))).body.status).toBe('rejected');
      }
      // New comments of a banned author are rejected by the engine.
      const next = await request(stack.http).post('/v1/comments').set(bearer(siteA.apiKey)).send(commentPayload({ author })).expect(202);
      expect((await waitForDecision(stack, siteA.apiKey, next.body.id)).status).toBe('rejected');

      // Trusted authors skip holds, even in this pre-moderated site.
      await ann.agent.post(`/v1/moderation/authors/${authorId}/standing`).set('X-CSRF-Token', ann.csrf).send({ standing: 'trusted', reason: 'Appeal accepted' }).expect(200);
      const trusted = await request(stack.http).post('/v1/comments').set(bearer(siteA.apiKey)).send(commentPayload({ author })).expect(202);
      expect((await waitForDecision(stack, siteA.apiKey, trusted.body.id)).status).toBe('approved');
      const held = await ann.agent.post(`/v1/moderation/authors/${authorId}/standing`).set('X-CSRF-Token', ann.csrf).send({ standing: 'always_hold', reason: 'Watch closely' }).expect(200);
      expect(held.body).toMatchObject({ trust: 'always_hold', trustReason: 'Watch closely' });
      await ann.agent.post(`/v1/moderation/authors/${authorId}/standing`).set('X-CSRF-Token', ann.csrf).send({ standing: null, reason: 'Cleared' }).expect(200);
      const profile = await ann.agent.get(`/v1/moderation/authors/${authorId}`).expect(200);
      expect(profile.body.author.trust).toBeNull();
      expect(profile.body.comments).toHaveLength(4);
      expect(profile.body.audit.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['author.ban', 'author.trust', 'author.always_hold', 'author.clear_standing', 'comment.reject']),
      );
      const bad = await ann.agent.post(`/v1/moderation/authors/${authorId}/standing`).set('X-CSRF-Token', ann.csrf).send({ standing: 'exiled' }).expect(400);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['reason', 'standing']);
      await bo.agent.get(`/v1/moderation/authors/${authorId}`).expect(200);
    });

    it('bans with removal of published comments: taken down and republished', async () => {
      const author = { id: unique('published-troll'), name: 'Published Troll' };
      const site = await createSite(stack, 'Post-moderated site');
      const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload({ author, articleId: 'ban-article' })).expect(202);
      expect((await waitForDecision(stack, site.apiKey, accepted.body.id)).status).toBe('approved');
      const [author_] = await stack.db.query('SELECT id FROM authors WHERE site_id = $1 AND external_id = $2', [site.id, author.id]);
      const [{ thread_version: before }] = await stack.db.query(`SELECT thread_version FROM articles WHERE site_id = $1 AND external_id = 'ban-article'`, [site.id]);
      await request(stack.http).post(`/v1/moderation/authors/${author_.id}/standing`).set(bearer(site.apiKey)).send({ standing: 'banned', reason: 'Spam ring', removePublished: true }).expect(200);
      expect((await request(stack.http).get(`/v1/comments/${accepted.body.id}`).set(bearer(site.apiKey))).body.status).toBe('rejected');
      const [{ thread_version: after }] = await stack.db.query(`SELECT thread_version FROM articles WHERE site_id = $1 AND external_id = 'ban-article'`, [site.id]);
      expect(Number(after)).toBeGreaterThan(Number(before));
    });

    it('clears the reported queue once a moderator decides, until new reports come', async () => {
      const site = await createSite(stack, 'Reported site');
      const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload()).expect(202);
      await waitForDecision(stack, site.apiKey, accepted.body.id);
      await request(stack.http).post(`/v1/comments/${accepted.body.id}/reports`).set(bearer(site.apiKey)).send({ reason: 'offensive', reporterId: 'r1' }).expect(201);
      const reported = () => request(stack.http).get('/v1/moderation/queue').query({ status: 'reported' }).set(bearer(site.apiKey)).expect(200);
      expect((await reported()).body.items.map((i: { id: string }) => i.id)).toEqual([accepted.body.id]);
      await request(stack.http).post(`/v1/moderation/comments/${accepted.body.id}/decision`).set(bearer(site.apiKey)).send({ action: 'approve' }).expect(200);
      expect((await reported()).body).toMatchObject({ items: [], counts: { reported: 0 } });
      await request(stack.http).post(`/v1/comments/${accepted.body.id}/reports`).set(bearer(site.apiKey)).send({ reason: 'spam', reporterId: 'r2' }).expect(201);
      expect((await reported()).body.items.map((i: { id: string }) => i.id)).toEqual([accepted.body.id]);
    });

    it('queries the audit log per moderator', async () => {
      const mine = await ann.agent.get('/v1/moderation/audit').query({ actor: `moderator:${ann.id}` }).expect(200);
      expect(mine.body.items.length).toBeGreaterThan(0);
      expect(mine.body.items.every((e: { actor: string }) => e.actor === `moderator:${ann.id}`)).toBe(true);
    });

    it('refuses an audit log cursor the API never returned', async () => {
      // Past bigint, signed or not plain decimal: a 400, never a database error.
      for (const cursor of ['99999999999999999999', '9223372036854775808', '-1', '1e3', '0x10']) {
        const refused = await ann.agent.get('/v1/moderation/audit').query({ cursor });
        expect([cursor, refused.status, refused.body.details]).toEqual([cursor, 400, [{ field: 'cursor', problem: 'is not a cursor this API returned' }]]);
      }
      await ann.agent.get('/v1/moderation/audit').query({ cursor: '9223372036854775807' }).expect(200);
    });
  });
});
