import { Queue } from 'bullmq';
import request from 'supertest';
import { MODERATION_GROUP_MAX, type ModerateJob, QUEUES, redisOptions } from '#app/queue';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

describe('ingestion API', () => {
  let stack: Stack;
  let site: { id: string; apiKey: string };

  beforeAll(async () => {
    stack = await startStack();
    site = await createSite(stack);
  });
  afterAll(() => stack.close());

  const post = (path: string, body: unknown, key = site.apiKey) => request(stack.http).post(path).set(auth(key)).send(body as object);

  describe('batch', () => {
    it('answers per item in request order; one bad item never rejects the others', async () => {
      const good = commentPayload();
      const retry = commentPayload();
      await post('/v1/comments', retry).expect(202);
      const parentExternalId = unique('p');
      const response = await post('/v1/comments/batch', {
        comments: [
          good,
          { ...commentPayload(), author: { id: 'x' } },
          retry,
          { ...retry, body: 'changed body' },
          'not an object',
          commentPayload({ externalId: parentExternalId, articleId: 'batch-article' }),
          commentPayload({ parentId: parentExternalId, articleId: 'batch-article' }),
          good,
        ],
      }).expect(200);
      expect(response.body.results.map((r: { status: string }) => r.status)).toEqual([
        'accepted', 'invalid', 'duplicate', 'conflict', 'invalid', 'accepted', 'accepted', 'duplicate',
      ]);
      expect(response.body).toMatchObject({ accepted: 3, duplicates: 2, rejected: 3 });
      expect(response.body.results[1].errors).toEqual([{ field: 'author.name', problem: 'must be a string' }]);
      expect(response.body.results[3].errors).toEqual([{ field: 'externalId', problem: 'is already used by a comment with different content' }]);
      expect(response.body.results[4].errors).toEqual([{ field: 'comments.4', problem: 'must be an object' }]);
      expect(response.body.results[7].id).toBe(response.body.results[0].id);

      // A reply and its parent in the same batch are linked, and both get decided.
      const [reply] = await stack.db.query('SELECT parent_id FROM comments WHERE id = $1', [response.body.results[6].id]);
      expect(reply.parent_id).toBe(response.body.results[5].id);
      await waitForDecision(stack, site.apiKey, response.body.results[6].id);
    });

    it('takes 1,000 comments at once and refuses 1,001', async () => {
      const comments = Array.from({ length: 1000 }, (_, i) => commentPayload({ body: `Bulk comment ${i} about the budget.` }));
      const response = await post('/v1/comments/batch', { comments }).expect(200);
      expect(response.body.accepted).toBe(1000);
      const tooMany = await post('/v1/comments/batch', { comments: [...comments, commentPayload()] }).expect(400);
      expect(tooMany.body.details).toEqual([{ field: 'comments', problem: 'must contain no more than 1000 elements' }]);
      await post('/v1/comments/batch', { comments: [] }).expect(400);
    });
  });

  describe('edits', () => {
    let moderation: Queue<ModerateJob>;
    beforeAll(() => {
      moderation = new Queue(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
    });
    afterAll(() => moderation.close());

    it('checks an edit again, keeps the history, and publishes the last approved revision until then', async () => {
      const created = await post('/v1/comments', commentPayload({ body: 'A calm first version.' })).expect(202);
      const id = created.body.id;
      await waitForDecision(stack, site.apiKey, id);
      // The queue is paused until the published revision is read: a worker can check an edit
      // within milliseconds of its answer, before the test gets to look.
      await moderation.pause();
      try {
        const edited = await request(stack.http).patch(`/v1/comments/${id}`).set(auth(site.apiKey)).send({ body: 'A calm second version.' }).expect(200);
        expect(edited.body).toMatchObject({ revision: 2, body: 'A calm second version.' });
        // Until the new check, the approved first revision is still the published one.
        const [before] = await stack.db.query('SELECT published_revision, status FROM comments WHERE id = $1', [id]);
        expect(before).toEqual({ published_revision: 1, status: 'pending' });
      } finally {
        await moderation.resume();
      }

      const decided = await waitForDecision(stack, site.apiKey, id);
      expect(decided).toMatchObject({ status: 'approved', revision: 2 });
      const decisions = await stack.db.query('SELECT comment_revision FROM decisions WHERE comment_id = $1 ORDER BY id', [id]);
      expect(decisions.map((d: { comment_revision: number }) => d.comment_revision)).toEqual([1, 2]);
      const revisions = await stack.db.query('SELECT revision, body FROM comment_revisions WHERE comment_id = $1 ORDER BY revision', [id]);
      expect(revisions).toEqual([
        { revision: 1, body: 'A calm first version.' },
        { revision: 2, body: 'A calm second version.' },
      ]);
      const [after] = await stack.db.query('SELECT published_revision FROM comments WHERE id = $1', [id]);
      expect(after.published_revision).toBe(2);
    });

    it('validates an edit and refuses one of a deleted comment', async () => {
      const created = await post('/v1/comments', commentPayload()).expect(202);
      const bad = await request(stack.http).patch(`/v1/comments/${created.body.id}`).set(auth(site.apiKey)).send({ body: 7 }).expect(400);
      expect(bad.body.details).toEqual([{ field: 'body', problem: 'must be a string' }]);
      await request(stack.http).delete(`/v1/comments/${created.body.id}`).set(auth(site.apiKey)).expect(200);
      await request(stack.http).patch(`/v1/comments/${created.body.id}`).set(auth(site.apiKey)).send({ body: 'again' }).expect(409);
    });
  });

  it('withdraws a comment: deleted, kept for the audit, repeatable', async () => {
    const created = await post('/v1/comments', commentPayload()).expect(202);
    await waitForDecision(stack, site.apiKey, created.body.id);
    const deleted = await request(stack.http).delete(`/v1/comments/${created.body.id}`).set(auth(site.apiKey)).expect(200);
    expect(deleted.body).toMatchObject({ status: 'deleted', decision: { action: 'approve' } });
    await request(stack.http).delete(`/v1/comments/${created.body.id}`).set(auth(site.apiKey)).expect(200);
    const still = await request(stack.http).get(`/v1/comments/${created.body.id}`).set(auth(site.apiKey)).expect(200);
    expect(still.body.status).toBe('deleted');
  });

  it("holds an approved comment once distinct readers' reports reach the threshold", async () => {
    await request(stack.http).patch(`/v1/admin/sites/${site.id}`).set(auth(ADMIN_TOKEN)).send({ reportThreshold: 2 }).expect(200);
    const created = await post('/v1/comments', commentPayload()).expect(202);
    const id = created.body.id;
    await waitForDecision(stack, site.apiKey, id);

    const first = await post(`/v1/comments/${id}/reports`, { reason: 'abusive', reporterId: 'r1' }).expect(201);
    expect(first.body).toMatchObject({ commentId: id, reportCount: 1, status: 'approved' });
    const again = await post(`/v1/comments/${id}/reports`, { reason: 'spam', reporterId: 'r1' }).expect(409);
    expect(again.body.details).toEqual([{ field: 'reporterId', problem: 'has already reported this comment' }]);
    const bad = await post(`/v1/comments/${id}/reports`, { reason: 'boring', reporterId: 'r2' }).expect(400);
    expect(bad.body.details[0].field).toBe('reason');

    // The settings cache of this process was invalidated by the PATCH, so the new threshold holds.
    const second = await post(`/v1/comments/${id}/reports`, { reason: 'offensive', reporterId: 'r2', note: 'rude' }).expect(201);
    expect(second.body).toMatchObject({ reportCount: 2, status: 'held' });
    const held = await request(stack.http).get(`/v1/comments/${id}`).set(auth(site.apiKey)).expect(200);
    expect(held.body.decision).toMatchObject({
      action: 'hold',
      decidedBy: 'system',
      reasons: [{ code: 'reports.threshold', message: 'Reported by 2 readers (abusive ×1, offensive ×1)' }],
    });
    await request(stack.http).patch(`/v1/admin/sites/${site.id}`).set(auth(ADMIN_TOKEN)).send({ reportThreshold: 3 }).expect(200);
  });

  it('counts only the reports since a moderator approved the comment towards holding it again', async () => {
    const own = await createSite(stack, 'Re-reported site');
    await request(stack.http).patch(`/v1/admin/sites/${own.id}`).set(auth(ADMIN_TOKEN)).send({ reportThreshold: 2 }).expect(200);
    const created = await post('/v1/comments', commentPayload(), own.apiKey).expect(202);
    const id = created.body.id;
    await waitForDecision(stack, own.apiKey, id);
    const report = (reporterId: string) => post(`/v1/comments/${id}/reports`, { reason: 'abusive', reporterId }, own.apiKey).expect(201);

    await report('r1');
    expect((await report('r2')).body).toMatchObject({ reportCount: 2, status: 'held' });
    await request(stack.http).post(`/v1/moderation/comments/${id}/decision`).set(auth(own.apiKey)).send({ action: 'approve' }).expect(200);
    expect((await report('r3')).body).toMatchObject({ reportCount: 3, status: 'approved' });
    expect((await report('r4')).body).toMatchObject({ reportCount: 4, status: 'held' });
  });

  it("stores authors' e-mail and IP only as keyed hashes unless the site enables raw storage", async () => {
    const author = { id: unique('a'), name: 'Eve', email: 'Eve@Example.org', ip: '198.51.100.9', userAgent: 'UA/1', accountCreatedAt: '2025-01-02T03:04:05Z', approvedCount: 4 };
    const hashed = await post('/v1/comments', commentPayload({ author })).expect(202);
    const [row] = await stack.db.query(
      `SELECT au.email, au.email_hash, au.account_created_at, au.site_approved_count, c.author_ip, c.author_ip_hash, c.user_agent
         FROM comments c JOIN authors au ON au.id = c.author_id WHERE c.id = $1`,
      [hashed.body.id],
    );
    expect(row).toMatchObject({ email: null, author_ip: null, user_agent: 'UA/1', site_approved_count: 4 });
    expect(row.email_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row.author_ip_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(row.account_created_at).toISOString()).toBe('2025-01-02T03:04:05.000Z');

    const rawSite = await createSite(stack, 'Raw site');
    await request(stack.http).patch(`/v1/admin/sites/${rawSite.id}`).set(auth(rawSite.apiKey)).send({ storeRawAuthorData: true }).expect(200);
    const raw = await post('/v1/comments', commentPayload({ author }), rawSite.apiKey).expect(202);
    const [rawRow] = await stack.db.query(
      'SELECT au.email, au.email_hash, c.author_ip FROM comments c JOIN authors au ON au.id = c.author_id WHERE c.id = $1',
      [raw.body.id],
    );
    // Same key, same value: the hashes match across sites, so rules can use them.
    expect(rawRow).toEqual({ email: 'Eve@Example.org', email_hash: row.email_hash, author_ip: '198.51.100.9' });

    const invalid = await post('/v1/comments', commentPayload({ author: { ...author, email: 'nope', ip: '999.1.1.1', approvedCount: -1 } })).expect(400);
    expect(invalid.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['author.approvedCount', 'author.email', 'author.ip']);
  });

  it('refuses a timestamp PostgreSQL cannot store, naming the field, without failing the rest of a batch', async () => {
    const author = (accountCreatedAt: string) => ({ id: unique('a'), name: 'Tim', accountCreatedAt });
    // Offsets beyond ±15:59, signed or week-date years, days not in the calendar, year 0, and a day
    // without a time (its instant would depend on the server's time zone).
    const unstorable = ['2024-03-01T10:00:00+20:00', '-2026-01-01', '2026-W01', '2026-02-30T10:00:00Z', '0000-12-31T23:00:00Z', '2024-03-01'];
    const batch = await post('/v1/comments/batch', {
      comments: [commentPayload(), commentPayload({ author: author(unstorable[0]) }), commentPayload({ author: author('2024-03-01T10:00:00.1234567+01:00') })],
    }).expect(200);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'invalid', 'accepted']);
    expect(batch.body.results[1].errors).toEqual([{ field: 'author.accountCreatedAt', problem: expect.stringMatching(/date-time/) }]);
    // Passed on in UTC, to the microsecond PostgreSQL keeps.
    const [stored] = await stack.db.query(
      `SELECT to_char(au.account_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at FROM comments c JOIN authors au ON au.id = c.author_id WHERE c.id = $1`,
      [batch.body.results[2].id],
    );
    expect(stored.at).toBe('2024-03-01T09:00:00.123456');

    for (const value of unstorable) {
      const single = await post('/v1/comments', commentPayload({ author: author(value) }));
      expect([value, single.status, single.body.details]).toEqual([value, 400, [{ field: 'author.accountCreatedAt', problem: expect.any(String) }]]);
      const list = await request(stack.http).get('/v1/comments').query({ since: value }).set(auth(site.apiKey));
      expect([value, list.status, list.body.details]).toEqual([value, 400, [{ field: 'since', problem: expect.any(String) }]]);
    }
    await request(stack.http).get('/v1/comments').query({ since: '2999-01-01T01:00:00+15:59' }).set(auth(site.apiKey)).expect(200);
  });

  it('updates an article and an author when a comment sends new values, and recreates them when they were deleted', async () => {
    const articleId = unique('article');
    const author = { id: unique('a'), name: 'Ann' };
    const stored = async (id: string) =>
      (await stack.db.query(`SELECT ar.title, ar.url, au.display_name AS name FROM comments c JOIN articles ar ON ar.id = c.article_id JOIN authors au ON au.id = c.author_id WHERE c.id = $1`, [id]))[0];
    const first = await post('/v1/comments', commentPayload({ articleId, articleTitle: 'First title', articleUrl: 'https://news.example/a', author })).expect(202);
    // The same values again (the upserts are skipped), then new ones (they are not).
    await post('/v1/comments', commentPayload({ articleId, articleTitle: 'First title', articleUrl: 'https://news.example/a', author })).expect(202);
    expect(await stored(first.body.id)).toEqual({ title: 'First title', url: 'https://news.example/a', name: 'Ann' });
    const renamed = await post('/v1/comments', commentPayload({ articleId, articleTitle: 'Second title', articleUrl: 'https://news.example/a', author: { ...author, name: 'Ann B.' } })).expect(202);
    expect(await stored(renamed.body.id)).toEqual({ title: 'Second title', url: 'https://news.example/a', name: 'Ann B.' });

    // Deleted behind the API's back (its comments go with it): the next comment brings both back.
    await stack.db.query(`DELETE FROM articles WHERE site_id = $1 AND external_id = $2`, [site.id, articleId]);
    await stack.db.query(`DELETE FROM authors WHERE site_id = $1 AND external_id = $2`, [site.id, author.id]);
    const again = await post('/v1/comments', commentPayload({ articleId, articleTitle: 'Second title', articleUrl: 'https://news.example/a', author: { ...author, name: 'Ann B.' } })).expect(202);
    expect(await stored(again.body.id)).toEqual({ title: 'Second title', url: 'https://news.example/a', name: 'Ann B.' });
  });

  it('lists with filters and a stable cursor', async () => {
    const listSite = await createSite(stack, 'List site');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await post('/v1/comments', commentPayload({ articleId: i % 2 ? 'odd' : 'even' }), listSite.apiKey).expect(202);
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(stack.http)
        .get('/v1/comments')
        .query({ limit: 3, ...(cursor ? { cursor } : {}) })
        .set(auth(listSite.apiKey))
        .expect(200);
      seen.push(...page.body.items.map((c: { id: string }) => c.id));
      cursor = page.body.nextCursor;
      // A comment arriving mid-listing lands after the cursor, never shifting a page.
      if (seen.length === 3) await post('/v1/comments', commentPayload({ articleId: 'even' }), listSite.apiKey).expect(202);
    } while (cursor);
    expect(seen.slice(0, 7)).toEqual(ids);
    expect(seen).toHaveLength(8);

    const odd = await request(stack.http).get('/v1/comments').query({ articleId: 'odd' }).set(auth(listSite.apiKey)).expect(200);
    expect(odd.body.items.map((c: { id: string }) => c.id)).toEqual([ids[1], ids[3], ids[5]]);
    const future = await request(stack.http).get('/v1/comments').query({ since: '2999-01-01T00:00:00Z' }).set(auth(listSite.apiKey)).expect(200);
    expect(future.body).toEqual({ items: [], nextCursor: null });
    const badQuery = await request(stack.http).get('/v1/comments').query({ status: 'nice', limit: 'many', cursor: 'garbage' }).set(auth(listSite.apiKey)).expect(400);
    expect(badQuery.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['limit', 'status']);
    const badCursor = await request(stack.http).get('/v1/comments').query({ cursor: 'garbage' }).set(auth(listSite.apiKey)).expect(400);
    expect(badCursor.body.details).toEqual([{ field: 'cursor', problem: 'is not a cursor this API returned' }]);
    // Made by hand in the shape of a real one, with times PostgreSQL refuses or the API never writes.
    for (const time of ['foo 2', '2026-13-01 00:00:00+00', '2026-11-25 10:00:00+16', '2026-11-25T10:00:00Z']) {
      const cursor = Buffer.from(JSON.stringify([time, '00000000-0000-0000-0000-000000000000'])).toString('base64url');
      const handMade = await request(stack.http).get('/v1/comments').query({ cursor }).set(auth(listSite.apiKey));
      expect([time, handMade.status, handMade.body.details]).toEqual([time, 400, [{ field: 'cursor', problem: 'is not a cursor this API returned' }]]);
    }
  });

  describe('API keys', () => {
    it('enforces scopes, lists without secrets, revokes at once, rotates with an overlap, and records last use', async () => {
      const keySite = await createSite(stack, 'Key site');
      const keysPath = `/v1/admin/sites/${keySite.id}/keys`;
      const reader = await post(keysPath, { name: 'reader', scopes: ['comments:read'] }, keySite.apiKey).expect(201);
      expect(reader.body).toMatchObject({ name: 'reader', scopes: ['comments:read'], key: expect.stringMatching(/^tk_/) });

      const forbidden = await post('/v1/comments', commentPayload(), reader.body.key).expect(403);
      expect(forbidden.body).toMatchObject({ error: 'forbidden', message: 'This API key lacks the scope comments:write' });
      await request(stack.http).get('/v1/comments').set(auth(reader.body.key)).expect(200);
      // A key without the admin scope cannot manage keys; another site's key sees no such site.
      await request(stack.http).get(keysPath).set(auth(reader.body.key)).expect(403);
      await request(stack.http).get(keysPath).set(auth(site.apiKey)).expect(404);

      const listed = await request(stack.http).get(keysPath).set(auth(ADMIN_TOKEN)).expect(200);
      expect(listed.body.map((k: { name: string }) => k.name)).toEqual(['default', 'reader']);
      expect(JSON.stringify(listed.body)).not.toContain(reader.body.key);
      expect(listed.body[1].lastUsedAt).not.toBeNull();
      expect(listed.body[1]).not.toHaveProperty('secretHash');

      await post(`${keysPath}/${reader.body.id}/revoke`, {}, keySite.apiKey).expect(200);
      await request(stack.http).get('/v1/comments').set(auth(reader.body.key)).expect(401);

      const writer = await post(keysPath, { name: 'writer', scopes: ['comments:write'] }, ADMIN_TOKEN).expect(201);
      const rotated = await post(`${keysPath}/${writer.body.id}/rotate`, { graceSeconds: 60 }, ADMIN_TOKEN).expect(201);
      expect(rotated.body).toMatchObject({ name: 'writer', scopes: ['comments:write'] });
      await post('/v1/comments', commentPayload(), writer.body.key).expect(202); // still within the overlap
      await post('/v1/comments', commentPayload(), rotated.body.key).expect(202);
      const immediate = await post(keysPath, { name: 'short', scopes: ['comments:write'] }, ADMIN_TOKEN).expect(201);
      await post(`${keysPath}/${immediate.body.id}/rotate`, {}, ADMIN_TOKEN).expect(201);
      await post('/v1/comments', commentPayload(), immediate.body.key).expect(401);

      const badScopes = await post(keysPath, { name: 'x', scopes: ['everything'] }, ADMIN_TOKEN).expect(400);
      expect(badScopes.body.details[0].field).toBe('scopes');
      await post(`${keysPath}/not-a-uuid/revoke`, {}, ADMIN_TOKEN).expect(404);
    });
  });

  it('limits requests per API key across API processes, with Retry-After', async () => {
    const limited = await createSite(stack, 'Limited site');
    await request(stack.http).patch(`/v1/admin/sites/${limited.id}`).set(auth(ADMIN_TOKEN)).send({ rateLimitPerMinute: 5 }).expect(200);
    const second = await startStack({ worker: false, queuePrefix: stack.queuePrefix });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const server = i % 2 === 0 ? stack.http : second.http;
        const response = await request(server).get('/v1/comments').set(auth(limited.apiKey));
        statuses.push(response.status);
        if (response.status === 429) {
          expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
          expect(response.body).toMatchObject({ statusCode: 429, error: 'rate_limited' });
        }
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await second.close();
    }
  });

  it('publishes an OpenAPI document with every endpoint and examples', async () => {
    const doc = await request(stack.http).get('/docs-json').expect(200);
    const paths = Object.keys(doc.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/comments', '/v1/comments/batch', '/v1/comments/{id}', '/v1/comments/{id}/reports',
        '/v1/admin/sites', '/v1/admin/sites/{siteId}', '/v1/admin/sites/{siteId}/keys',
        '/v1/admin/sites/{siteId}/keys/{keyId}/revoke', '/v1/admin/sites/{siteId}/keys/{keyId}/rotate',
      ]),
    );
    for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, { content?: object }> }>>(doc.body.paths)) {
      if (path.startsWith('/health')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        const documented = Object.entries(operation.responses).filter(([status, r]) => Number(status) < 300 && (r.content || status === '204'));
        expect({ endpoint: `${method} ${path}`, hasExample: documented.length > 0 }).toEqual({ endpoint: `${method} ${path}`, hasExample: true });
      }
    }
    expect(doc.body.components.schemas.CreateCommentDto.properties.body).toMatchObject({ type: 'string', maxLength: 100_000 });
    await request(stack.http).get('/docs').expect(200).expect('Content-Type', /html/);
  });

  it('applies the site body limit and refuses broken text', async () => {
    const small = await createSite(stack, 'Small site');
    await request(stack.http).patch(`/v1/admin/sites/${small.id}`).set(auth(small.apiKey)).send({ maxBodyLength: 20 }).expect(200);
    const long = await post('/v1/comments', commentPayload({ body: 'x'.repeat(21) }), small.apiKey).expect(400);
    expect(long.body.details).toEqual([{ field: 'body', problem: 'must be at most 20 characters long' }]);
    for (const [body, problem] of [
      ['bell \u0007', 'must not contain control characters'],
      ['half \ud83d surrogate', 'must not contain invalid Unicode (unpaired surrogates)'],
    ]) {
      const response = await post('/v1/comments', commentPayload({ body }), small.apiKey).expect(400);
      expect(response.body.details).toEqual([{ field: 'body', problem }]);
    }
    // Text is stored exactly as sent: whitespace, markup, emoji and newlines survive.
    const exact = '  <b>hi</b>\n\t😀  ';
    const stored = await post('/v1/comments', commentPayload({ body: exact }), small.apiKey).expect(202);
    const read = await request(stack.http).get(`/v1/comments/${stored.body.id}`).set(auth(small.apiKey)).expect(200);
    expect(read.body.body).toBe(exact);
  });
});

/** A small seeded PRNG (mulberry32), so a shuffled burst is the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ingestion under concurrency', () => {
  let stack: Stack;
  let queue: Queue<ModerateJob>;
  beforeAll(async () => {
    // No worker: the jobs stay in the queue to be read.
    stack = await startStack({ worker: false });
    queue = new Queue(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
  });
  // No worker decides what these tests store: the sites go at the end, so thousands of pending
  // comments are not left in the way of other test files' reconcilers.
  const sites: string[] = [];
  afterAll(async () => {
    await stack.db.query('DELETE FROM sites WHERE id = ANY($1)', [sites]);
    await queue.obliterate({ force: true });
    await queue.close();
    await stack.close();
  });

  async function newSite(name: string) {
    const site = await createSite(stack, name);
    sites.push(site.id);
    return site;
  }

  /** Every check in the queue, with the job that carries it. */
  async function queuedChecks() {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    return jobs.flatMap((job) => job.data.checks.map((check) => ({ ...check, jobId: job.id!, groupSize: job.data.checks.length })));
  }

  it('stores comments sent at the same time for a new article and a new author, every one', async () => {
    const site = await newSite('Concurrent site');
    const articleId = unique('fresh-article');
    const author = { id: unique('fresh-author'), name: 'Same Author' };
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(commentPayload({ articleId, author }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(202));
    const [{ count }] = await stack.db.query('SELECT count(*)::int FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.external_id = $1', [articleId]);
    expect(count).toBe(12);
  });

  it('answers a burst of single comments on one site exactly as one-by-one requests would, one check each with its own request id', async () => {
    const site = await newSite('Burst site');
    const articles = [unique('burst-a'), unique('burst-b'), unique('burst-c')];
    const authors = Array.from({ length: 10 }, (_, i) => ({ id: unique('burst-author'), name: `Reader ${i}` }));
    const elsewhere = commentPayload({ articleId: unique('burst-elsewhere') });
    await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(elsewhere).expect(202);

    const originals = Array.from({ length: 150 }, (_, i) => commentPayload({ articleId: articles[i % 3], author: authors[i % 10] }));
    type Kind = 'original' | 'retry' | 'conflicting' | 'reply' | 'reply-elsewhere' | 'reply-across';
    const burst: { kind: Kind; of: number; payload: Record<string, unknown> }[] = originals.map((payload, of) => ({ kind: 'original', of, payload }));
    for (let i = 0; i < 40; i++) burst.push({ kind: 'retry', of: i, payload: { ...originals[i] } });
    for (let i = 40; i < 70; i++) burst.push({ kind: 'conflicting', of: i, payload: { ...originals[i], body: `Another text under the same id (${i})` } });
    for (let i = 70; i < 110; i++) {
      burst.push({ kind: 'reply', of: i, payload: commentPayload({ articleId: originals[i].articleId, parentId: originals[i].externalId, author: authors[i % 10] }) });
    }
    // A parent stored before the burst on another article: a 400 whatever the order.
    for (let i = 0; i < 10; i++) burst.push({ kind: 'reply-elsewhere', of: -1, payload: commentPayload({ articleId: articles[i % 3], parentId: elsewhere.externalId }) });
    // A parent in the burst on another article: a 400 if the parent came first, else stored unlinked.
    for (let i = 110; i < 120; i++) {
      burst.push({ kind: 'reply-across', of: i, payload: commentPayload({ articleId: articles[(i + 1) % 3], parentId: originals[i].externalId }) });
    }
    const random = seeded(9);
    for (let i = burst.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [burst[i], burst[j]] = [burst[j], burst[i]];
    }

    const answers = await Promise.all(
      burst.map(({ payload }, i) => request(stack.http).post('/v1/comments').set(auth(site.apiKey)).set('X-Request-Id', `burst-${i}`).send(payload)),
    );
    expect(answers.filter((a) => a.status >= 500).map((a) => a.body)).toEqual([]);
    const answerOf = (kind: Kind, of: number) => answers[burst.findIndex((b) => b.kind === kind && b.of === of)];
    const stored = new Map<string, { id: string; parent_id: string | null; body: string }>(
      (await stack.db.query('SELECT id, external_id, parent_id, body FROM comments WHERE site_id = $1', [site.id])).map(
        (row: { external_id: string; id: string; parent_id: string | null; body: string }) => [row.external_id, row],
      ),
    );

    originals.forEach((payload, i) => {
      const original = answerOf('original', i);
      const row = stored.get(payload.externalId as string)!;
      if (i < 40) {
        // The same comment twice: whichever came first is created, the other is its retry.
        const retry = answerOf('retry', i);
        expect([original.status, retry.status].sort()).toEqual([200, 202]);
        expect(retry.body.id).toBe(original.body.id);
      } else if (i < 70) {
        // Two contents under one externalId: the first stored wins, the other is a conflict.
        const conflicting = answerOf('conflicting', i);
        expect([original.status, conflicting.status].sort()).toEqual([202, 409]);
        const winner = original.status === 202 ? payload : burst.find((b) => b.kind === 'conflicting' && b.of === i)!.payload;
        expect(row.body).toBe(winner.body);
        expect((original.status === 409 ? original : conflicting).body.details).toEqual([
          { field: 'externalId', problem: 'is already used by a comment with different content' },
        ]);
      } else {
        expect(original.status).toBe(202);
      }
      expect(row.id).toBe((original.status === 409 ? answerOf('conflicting', i) : original).body.id);
    });
    for (let i = 70; i < 110; i++) {
      const reply = answerOf('reply', i);
      expect(reply.status).toBe(202);
      // Linked to its parent whichever arrived first.
      expect(stored.get(reply.body.externalId)!.parent_id).toBe(stored.get(originals[i].externalId as string)!.id);
    }
    burst.forEach(({ kind, payload }, i) => {
      if (kind === 'reply-elsewhere' || (kind === 'reply-across' && answers[i].status === 400)) {
        expect(answers[i].status).toBe(400);
        expect(answers[i].body.details).toEqual([{ field: 'parentId', problem: 'names a comment of another article' }]);
        expect(stored.has(payload.externalId as string)).toBe(false);
      } else if (kind === 'reply-across') {
        expect(answers[i].status).toBe(202);
        expect(stored.get(payload.externalId as string)!.parent_id).toBeNull();
      }
    });

    // Every stored comment has exactly one check, carrying the id of the request that stored it;
    // the burst went in groups (bounded by MODERATION_GROUP_MAX), not one job per comment.
    const siteIds = new Set([...stored.values()].map((row) => row.id));
    const checks = (await queuedChecks()).filter((check) => siteIds.has(check.commentId));
    expect(checks.map((check) => check.commentId).sort()).toEqual([...siteIds].sort());
    const created = new Map(answers.flatMap((a, i) => (a.status === 202 ? [[a.body.id as string, `burst-${i}`]] : [])));
    for (const check of checks) {
      if (created.has(check.commentId)) expect({ comment: check.commentId, correlationId: check.correlationId }).toEqual({ comment: check.commentId, correlationId: created.get(check.commentId) });
    }
    expect(created.size).toBe(siteIds.size - 1); // all but the comment stored before the burst
    expect(Math.max(...checks.map((check) => check.groupSize))).toBeGreaterThan(1);
    expect(Math.max(...checks.map((check) => check.groupSize))).toBeLessThanOrEqual(MODERATION_GROUP_MAX);
  });

  it('answers a batch as its items would be answered one by one, in order', async () => {
    const site = await newSite('Ordered batch site');
    const parent = commentPayload({ articleId: 'ordered-a' });
    const replyBefore = commentPayload({ articleId: 'ordered-b', parentId: parent.externalId });
    const replyAfter = commentPayload({ articleId: 'ordered-b', parentId: parent.externalId });
    const response = await request(stack.http).post('/v1/comments/batch').set(auth(site.apiKey)).send({ comments: [replyBefore, parent, replyAfter] }).expect(200);
    // The first reply came before its parent existed: stored, and never linked to another article's comment.
    expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'invalid']);
    expect(response.body.results[2].errors).toEqual([{ field: 'parentId', problem: 'names a comment of another article' }]);
    const [row] = await stack.db.query('SELECT parent_id, parent_external_id FROM comments WHERE id = $1', [response.body.results[0].id]);
    expect(row).toEqual({ parent_id: null, parent_external_id: parent.externalId });
  });

  it('stores concurrent batches over the same new articles and authors, in different orders and shapes, without a 500', async () => {
    const site = await newSite('Overlapping batches site');
    const articles = Array.from({ length: 60 }, () => unique('shared-article'));
    const authors = Array.from({ length: 60 }, () => unique('shared-author'));
    const random = seeded(20261125);
    const pick = <T>(items: T[], count: number) => Array.from({ length: count }, () => items[Math.floor(random() * items.length)]);
    // Sizes and spreads differ, so PostgreSQL plans the statements differently; titles and names
    // change from batch to batch, so every upsert writes (and locks) rows another batch wants.
    const shapes = [
      { size: 20, articles: 60, authors: 5 },
      { size: 400, articles: 5, authors: 60 },
      { size: 100, articles: 30, authors: 30 },
      { size: 600, articles: 60, authors: 60 },
    ];
    // Deadlocks are retried, so most would not show as a 500: PostgreSQL counts them (anywhere in
    // this database; backends report their counts when idle, within about a second).
    const deadlocks = async () => Number((await stack.db.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()'))[0].deadlocks);
    const deadlocksBefore = await deadlocks();
    for (let round = 0; round < 2; round++) {
      const batches = Array.from({ length: 12 }, (_, b) => {
        const shape = shapes[b % shapes.length];
        const articleIds = (b % 2 ? [...articles].reverse() : articles).slice(0, shape.articles);
        const authorIds = (b % 3 ? authors : [...authors].reverse()).slice(0, shape.authors);
        return pick(articleIds, shape.size).map((articleId, i) =>
          commentPayload({ articleId, articleTitle: `Title ${round}.${b}`, author: { id: pick(authorIds, 1)[0], name: `Name ${round}.${b}.${i % 3}` } }),
        );
      });
      const answers = await Promise.all(batches.map((comments) => request(stack.http).post('/v1/comments/batch').set(auth(site.apiKey)).send({ comments })));
      expect(answers.map((a) => a.status)).toEqual(Array(batches.length).fill(200));
      expect(answers.map((a) => a.body.accepted)).toEqual(batches.map((b) => b.length));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await deadlocks()).toBe(deadlocksBefore);
  });
});
