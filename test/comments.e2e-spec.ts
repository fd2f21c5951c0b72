import { brotliCompressSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

describe('comments: a comment goes in, is checked by the worker, and its decision comes out', () => {
  let stack: Stack;
  let site: { id: string; apiKey: string };
  let otherSite: { id: string; apiKey: string };
  const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    stack = await startStack();
    site = await createSite(stack);
    otherSite = await createSite(stack, 'Other site');
  });
  afterAll(() => stack.close());

  it('creates a site and shows its API key once', async () => {
    const slug = unique('news');
    const response = await request(stack.http)
      .post('/v1/admin/sites')
      .set(auth(ADMIN_TOKEN))
      .send({ name: 'Daily News', slug })
      .expect(201);
    expect(response.body).toMatchObject({
      id: expect.any(String),
      name: 'Daily News',
      slug,
      maxBodyLength: 10_000,
      apiKey: expect.stringMatching(/^tk_[0-9A-Za-z]{40}$/),
      apiKeyScopes: ['comments:write', 'comments:read', 'moderation', 'admin'],
    });
    const again = await request(stack.http).post('/v1/admin/sites').set(auth(ADMIN_TOKEN)).send({ name: 'Again', slug });
    expect(again.status).toBe(409);
    expect(again.body.details).toEqual([{ field: 'slug', problem: 'is already taken' }]);
  });

  it('refuses the admin API without the admin token', async () => {
    const body = { name: 'x', slug: unique('s') };
    await request(stack.http).post('/v1/admin/sites').send(body).expect(401);
    await request(stack.http).post('/v1/admin/sites').set(auth('not-the-token')).send(body).expect(401);
    // A site key is not the admin token either.
    await request(stack.http).post('/v1/admin/sites').set(auth(site.apiKey)).send(body).expect(401);
  });

  it('accepts a comment, the worker decides it, and the decision can be read', async () => {
    const payload = commentPayload();
    const accepted = await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(payload).expect(202);
    expect(accepted.body).toEqual({ id: expect.any(String), externalId: payload.externalId, status: 'pending' });

    const decided = await waitForDecision(stack, site.apiKey, accepted.body.id);
    expect(decided).toMatchObject({
      id: accepted.body.id,
      externalId: payload.externalId,
      articleId: 'article-1',
      parentId: null,
      status: 'approved',
      decision: { action: 'approve', decidedBy: 'system', reasons: [], engineVersion: expect.any(String) },
    });
    expect(decided.body).toBe(payload.body);

    const byExternalId = await request(stack.http)
      .get('/v1/comments')
      .query({ externalId: payload.externalId })
      .set(auth(site.apiKey))
      .expect(200);
    expect(byExternalId.body).toEqual(decided);
  });

  it('rejects or holds an abusive comment with reasons that point into the text', async () => {
    const body = 'Shut up, you fucking idiot.';
    const accepted = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ body }))
      .expect(202);
    const decided = await waitForDecision(stack, site.apiKey, accepted.body.id);
    expect(['held', 'rejected']).toContain(decided.status);
    expect(decided.decision.reasons.length).toBeGreaterThan(0);
    const [reason] = decided.decision.reasons;
    expect(reason).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    for (const span of reason.spans) expect(body.slice(span.start, span.end)).toBe(span.text);
    // The audit trace of the engine's phases: in order, ending at the decisive one, each with only
    // what it did (its reasons are the decision's, which name their phase).
    const [{ phases }] = await stack.db.query(`SELECT phases FROM decisions WHERE comment_id = $1 AND kind = 'check'`, [accepted.body.id]);
    expect(phases[0]).toEqual({ phase: 'normalise', durationMs: expect.any(Number) });
    expect(phases.find((p: { action?: string }) => p.action)).toMatchObject({ phase: reason.phase, scores: expect.any(Object) });
    expect(phases.some((p: object) => 'reasons' in p)).toBe(false);
  });

  it('treats the same comment sent again as a retry, and different content as a conflict', async () => {
    const payload = commentPayload();
    const first = await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(payload).expect(202);
    const retry = await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(payload).expect(200);
    expect(retry.body.id).toBe(first.body.id);

    const conflict = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send({ ...payload, body: 'Something else entirely.' })
      .expect(409);
    expect(conflict.body).toMatchObject({ statusCode: 409, error: 'conflict', details: [{ field: 'externalId' }] });

    // The same externalId on another site is another comment.
    await request(stack.http).post('/v1/comments').set(auth(otherSite.apiKey)).send(payload).expect(202);
  });

  it("hides a site's comments from every other site", async () => {
    const payload = commentPayload();
    const accepted = await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(payload).expect(202);
    const notFound = await request(stack.http).get(`/v1/comments/${accepted.body.id}`).set(auth(otherSite.apiKey)).expect(404);
    expect(notFound.body).toMatchObject({ statusCode: 404, error: 'not_found' });
    await request(stack.http).get('/v1/comments').query({ externalId: payload.externalId }).set(auth(otherSite.apiKey)).expect(404);
    await request(stack.http).get('/v1/comments/not-a-uuid').set(auth(site.apiKey)).expect(404);
  });

  it('answers 401 without a valid key', async () => {
    await request(stack.http).post('/v1/comments').send(commentPayload()).expect(401);
    const bad = await request(stack.http).get('/v1/comments/x').set(auth('tk_' + 'A'.repeat(40))).expect(401);
    expect(bad.headers['www-authenticate']).toBe('Bearer');
    expect(bad.body).toMatchObject({ statusCode: 401, error: 'unauthorized' });
    await request(stack.http).get('/v1/comments/x').set('Authorization', 'Basic abc').expect(401);
    // The right key with one character changed.
    const tampered = site.apiKey.slice(0, -1) + (site.apiKey.endsWith('A') ? 'B' : 'A');
    await request(stack.http).get('/v1/comments/x').set(auth(tampered)).expect(401);
  });

  it('names every bad field in a 400', async () => {
    const response = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send({ externalId: 42, articleId: '', author: { id: 'a' }, body: 'hi', colour: 'red' })
      .expect(400);
    expect(response.body.error).toBe('validation_failed');
    const fields = response.body.details.map((d: { field: string }) => d.field).sort();
    expect(fields).toEqual(['articleId', 'author.name', 'colour', 'externalId']);
    for (const detail of response.body.details) expect(detail.problem).toEqual(expect.any(String));
    expect(response.body.details).toContainEqual({ field: 'colour', problem: 'is not an allowed field' });
    expect(response.body.details).toContainEqual({ field: 'externalId', problem: 'must be a string' });
    expect(response.body.details).toContainEqual({ field: 'articleId', problem: 'must be 1-200 characters long' });
    expect(response.body.details).toContainEqual({ field: 'author.name', problem: 'must be a string' });

    const noAuthor = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send({ externalId: 'x', articleId: 'a', body: 'hi' })
      .expect(400);
    expect(noAuthor.body.details.map((d: { field: string }) => d.field)).toEqual(['author']);

    const control = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ body: 'null \u0000 byte' }))
      .expect(400);
    expect(control.body.details).toEqual([{ field: 'body', problem: 'must not contain NUL characters' }]);
  });

  it('answers 413 for an oversized request and 415 for a body that is not JSON', async () => {
    const huge = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ body: 'x'.repeat(2 * 1024 * 1024) }))
      .expect(413);
    expect(huge.body).toMatchObject({ statusCode: 413, error: 'payload_too_large' });

    const tooLong = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ body: 'y'.repeat(10_001) }))
      .expect(400);
    expect(tooLong.body.details).toEqual([{ field: 'body', problem: 'must be at most 10000 characters long' }]);

    const form = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('externalId=1&body=hi')
      .expect(415);
    expect(form.body.error).toBe('unsupported_media_type');
  });

  it('answers 400 for broken JSON and for bytes that are not UTF-8', async () => {
    const broken = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .set('Content-Type', 'application/json')
      .send('{"externalId": "x",')
      .expect(400);
    expect(broken.body).toMatchObject({ error: 'malformed_json' });

    // "café" in Latin-1: the é is a lone 0xE9 byte, not UTF-8.
    const latin1 = Buffer.from('{"externalId":"x","articleId":"a","author":{"id":"a","name":"b"},"body":"café"}', 'latin1');
    const badUtf8 = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .set('Content-Type', 'application/json')
      .serialize((raw: Buffer) => raw as unknown as string) // send the bytes as they are
      .send(latin1)
      .expect(400);
    expect(badUtf8.body).toMatchObject({ error: 'invalid_text' });
  });

  it('reads gzip and br bodies and a leading byte order mark; refuses other encodings and broken ones', async () => {
    const post = (body: Buffer, encoding?: string) => {
      let call = request(stack.http).post('/v1/comments').set(auth(site.apiKey)).set('Content-Type', 'application/json');
      if (encoding) call = call.set('Content-Encoding', encoding);
      return call.serialize((raw: Buffer) => raw as unknown as string).send(body);
    };
    const json = (payload: Record<string, unknown>) => Buffer.from(JSON.stringify(payload));
    await post(gzipSync(json(commentPayload())), 'gzip').expect(202);
    await post(brotliCompressSync(json(commentPayload())), 'br').expect(202);
    await post(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json(commentPayload())])).expect(202);

    const unknown = await post(json(commentPayload()), 'compress').expect(415);
    expect(unknown.body).toMatchObject({ error: 'unsupported_media_type', message: expect.stringMatching(/Content-Encoding compress/) });
    const broken = await post(Buffer.from('not gzip at all'), 'gzip').expect(400);
    expect(broken.body).toMatchObject({ error: 'malformed_json' });
    // The size limit is on what is parsed: a small gzip of a huge body is still too large.
    const bomb = await post(gzipSync(json(commentPayload({ body: 'x'.repeat(2 * 1024 * 1024) }))), 'gzip').expect(413);
    expect(bomb.body).toMatchObject({ error: 'payload_too_large' });
    // An empty body says nothing whatever its type: the request is judged on its (missing) fields.
    const empty = await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).set('Content-Type', 'application/x-www-form-urlencoded').send('');
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe('validation_failed');
  });

  it('serves the thread of an article whose id is 200 characters long', async () => {
    const articleId = `a-${'long'.repeat(49)}z`.slice(0, 200);
    await request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(commentPayload({ articleId })).expect(202);
    const thread = await request(stack.http).get(`/v1/articles/${articleId}/thread`).set(auth(site.apiKey)).expect(200);
    expect(thread.body.article.id).toBe(articleId);
  });

  it('links a reply that arrived before its parent, and refuses a parent from another article', async () => {
    const parentId = unique('parent');
    const reply = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ parentId, articleId: 'article-threads' }))
      .expect(202);
    await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ externalId: parentId, articleId: 'article-threads' }))
      .expect(202);
    const [parent] = await stack.db.query('SELECT id FROM comments WHERE site_id = $1 AND external_id = $2', [site.id, parentId]);
    const [linked] = await stack.db.query('SELECT parent_id FROM comments WHERE id = $1', [reply.body.id]);
    expect(linked.parent_id).toBe(parent.id);

    const otherArticle = await request(stack.http)
      .post('/v1/comments')
      .set(auth(site.apiKey))
      .send(commentPayload({ parentId, articleId: 'article-elsewhere' }))
      .expect(400);
    expect(otherArticle.body.details).toEqual([{ field: 'parentId', problem: 'names a comment of another article' }]);
  });

  it('reports liveness and readiness', async () => {
    await request(stack.http).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(stack.http).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });
});
