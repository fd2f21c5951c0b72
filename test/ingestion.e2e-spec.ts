import request from 'supertest';
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
    it('checks an edit again, keeps the history, and publishes the last approved revision until then', async () => {
      const created = await post('/v1/comments', commentPayload({ body: 'A calm first version.' })).expect(202);
      const id = created.body.id;
      await waitForDecision(stack, site.apiKey, id);
      const edited = await request(stack.http).patch(`/v1/comments/${id}`).set(auth(site.apiKey)).send({ body: 'A calm second version.' }).expect(200);
      expect(edited.body).toMatchObject({ revision: 2, body: 'A calm second version.' });
      // Until the new check, the approved first revision is still the published one.
      const [before] = await stack.db.query('SELECT published_revision FROM comments WHERE id = $1', [id]);
      expect(before.published_revision).toBe(1);

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

describe('ingestion under concurrency', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(() => stack.close());

  it('stores comments sent at the same time for a new article and a new author, every one', async () => {
    const site = await createSite(stack, 'Concurrent site');
    const articleId = unique('fresh-article');
    const author = { id: unique('fresh-author'), name: 'Same Author' };
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(commentPayload({ articleId, author }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(202));
    const [{ count }] = await stack.db.query('SELECT count(*)::int FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.external_id = $1', [articleId]);
    expect(count).toBe(12);
  });
});
