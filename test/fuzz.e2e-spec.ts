import request from 'supertest';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack } from './support/stack.js';

/** A small seeded PRNG (mulberry32): the same malformed requests on every run. */
function random(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface MalformedRequest {
  method: 'post' | 'patch' | 'get';
  path: string;
  contentType?: string;
  /** A string or Buffer is sent as raw bytes; anything else as JSON. */
  body?: unknown;
  auth?: string;
}

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): Record<string, unknown> => {
  let value: Record<string, unknown> | string = 'x';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as Record<string, unknown>;
};

/** Lone surrogates cannot be URI-encoded; their replacement character is sent instead. */
const wellFormed = (text: string): string => text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Values that are wrong for every field of this API: wrong types, empty, too long, broken text. */
const WRONG_VALUES: unknown[] = [
  null, -1, 1e308, true, false, [], [1, 2], {}, { nested: true }, '', 'y'.repeat(200_001), '\u0000', 'a\u0000b',
  '\ud800', '\udfff lone', '\u0007bell', 'tab\u001bescape', deepObject(12), 1.5,
];
/** Values that are wrong for the fields they are put in below (ids, enums, formats). */
const WRONG_FORMATS: unknown[] = ['x'.repeat(201), '<script>alert(1)</script>', "'; DROP TABLE comments; --", '2026-13-45', 'null', ' '];

function malformedRequests(next: () => number, commentId: string, siteId: string): MalformedRequest[] {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)];
  const requests: MalformedRequest[] = [];
  const fields = ['externalId', 'articleId', 'articleTitle', 'articleUrl', 'parentId', 'author', 'body'];
  const authorFields = ['id', 'name', 'email', 'ip', 'userAgent', 'accountCreatedAt', 'approvedCount'];

  // Every field of a comment given every kind of wrong value, on the single and the batch endpoint.
  for (const field of fields) {
    const formats = field === 'articleUrl' ? WRONG_FORMATS : ['externalId', 'articleId', 'parentId'].includes(field) ? ['x'.repeat(201)] : [];
    for (const value of [...WRONG_VALUES, ...formats]) {
      if (value === null && ['articleTitle', 'parentId', 'articleUrl'].includes(field)) continue; // absent: valid
      requests.push({ method: 'post', path: '/v1/comments', body: { ...commentPayload(), [field]: value } });
    }
  }
  for (const field of authorFields) {
    for (const value of [...WRONG_VALUES, ...(['email', 'ip', 'accountCreatedAt'].includes(field) ? WRONG_FORMATS : [])]) {
      if (value === null && !['id', 'name'].includes(field)) continue; // null is "absent" for optional fields: valid
      if (field === 'approvedCount' && value === 1e308) continue; // JSON turns it into a valid number
      requests.push({ method: 'post', path: '/v1/comments', body: { ...commentPayload(), author: { id: 'a', name: 'b', [field]: value } } });
    }
  }
  // Missing fields, extra fields, whole bodies of the wrong shape.
  for (const field of ['externalId', 'articleId', 'author', 'body']) {
    const body: Record<string, unknown> = commentPayload();
    delete body[field];
    requests.push({ method: 'post', path: '/v1/comments', body });
  }
  for (let i = 0; i < 40; i++) {
    requests.push({ method: 'post', path: '/v1/comments', body: { ...commentPayload(), [`extra${i}`]: pick(WRONG_VALUES) } });
  }
  for (const body of WRONG_VALUES) requests.push({ method: 'post', path: '/v1/comments', body: JSON.stringify(body) ?? 'undefined', contentType: 'application/json' });
  // Broken JSON, deep nesting, bad UTF-8, wrong content types.
  const broken = ['{', '{"a":', '{"externalId": "x",}', "{'single': 1}", '[1,2', '{"a":1}}', 'nul', '\u0000', '{"body": "\\ud800"}', '{"body": "\\u0000"}'];
  for (const text of broken) requests.push({ method: 'post', path: '/v1/comments', body: text, contentType: 'application/json' });
  // Deep nesting is written as text: a JSON serializer would overflow its own stack on it.
  const nestedText = (depth: number) => '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth);
  for (const depth of [100, 1000, 10_000, 100_000]) {
    const comment = JSON.stringify(commentPayload());
    requests.push({ method: 'post', path: '/v1/comments', body: deep(depth), contentType: 'application/json' });
    requests.push({ method: 'post', path: '/v1/comments', body: `${comment.slice(0, -1)},"author":${nestedText(depth)}}`, contentType: 'application/json' });
    requests.push({ method: 'post', path: '/v1/comments/batch', body: `{"comments":[${nestedText(depth)}]}`, contentType: 'application/json' });
  }
  for (const bytes of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
    const json = Buffer.concat([Buffer.from('{"externalId":"x","articleId":"a","author":{"id":"a","name":"b"},"body":"'), Buffer.from(bytes), Buffer.from('"}')]);
    requests.push({ method: 'post', path: '/v1/comments', body: json, contentType: 'application/json' });
  }
  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'image/png']) {
    requests.push({ method: 'post', path: '/v1/comments', body: JSON.stringify(commentPayload()), contentType: type });
  }
  requests.push({ method: 'post', path: '/v1/comments', body: 'x'.repeat(2_000_000), contentType: 'application/json' });
  // Batches with wrong shapes and every item wrong.
  for (const value of WRONG_VALUES) {
    requests.push({ method: 'post', path: '/v1/comments/batch', body: { comments: value } });
    requests.push({ method: 'post', path: '/v1/comments/batch', body: { comments: [value, { ...commentPayload(), body: value }] } });
  }
  // Edits, reports, listing queries and admin calls with wrong values.
  for (const value of [...WRONG_VALUES, ...WRONG_FORMATS]) {
    const text = wellFormed(typeof value === 'string' ? value.slice(0, 300) : String(JSON.stringify(value)));
    requests.push({ method: 'post', path: `/v1/comments/${commentId}/reports`, body: { reason: value, reporterId: 'r' } });
    requests.push({ method: 'post', path: `/v1/admin/sites/${siteId}/keys`, body: { name: 'k', scopes: [value] }, auth: ADMIN_TOKEN });
    requests.push({ method: 'get', path: `/v1/comments?status=${encodeURIComponent(text)}` });
    requests.push({ method: 'get', path: `/v1/comments?cursor=${encodeURIComponent(text)}` });
    requests.push({ method: 'get', path: `/v1/comments?since=${encodeURIComponent(text)}` });
    if (text.trim()) requests.push({ method: 'get', path: `/v1/comments/${encodeURIComponent(text)}` });
  }
  for (const slug of [...WRONG_VALUES, 'Has Caps', '-leading', 'trailing-', 'white space', 'x'.repeat(65), 'ünïcode']) {
    requests.push({ method: 'post', path: '/v1/admin/sites', body: { name: 'ok', slug }, auth: ADMIN_TOKEN });
  }
  for (const value of WRONG_VALUES) {
    requests.push({ method: 'patch', path: `/v1/comments/${commentId}`, body: { body: value } });
    requests.push({ method: 'post', path: `/v1/comments/${commentId}/reports`, body: { reason: 'spam', reporterId: value } });
    requests.push({ method: 'post', path: '/v1/admin/sites', body: { name: value, slug: 'fine-slug' }, auth: ADMIN_TOKEN });
    for (const setting of ['name', 'maxBodyLength', 'reportThreshold', 'storeRawAuthorData', 'rateLimitPerMinute']) {
      if (setting === 'storeRawAuthorData' && typeof value === 'boolean') continue;
      requests.push({ method: 'patch', path: `/v1/admin/sites/${siteId}`, body: { [setting]: value }, auth: ADMIN_TOKEN });
    }
    requests.push({ method: 'post', path: `/v1/admin/sites/${siteId}/keys`, body: { name: 'k', scopes: value }, auth: ADMIN_TOKEN });
    requests.push({ method: 'post', path: `/v1/admin/sites/${siteId}/keys`, body: { name: value, scopes: ['admin'] }, auth: ADMIN_TOKEN });
    // Lone surrogates cannot be URI-encoded; their replacement is sent instead.
    const text = wellFormed(typeof value === 'string' ? value.slice(0, 300) : String(JSON.stringify(value)));
    requests.push({ method: 'get', path: `/v1/comments?limit=${encodeURIComponent(text)}` });
  }
  for (const limit of ['0', '501', '1.5', 'abc', '-3']) requests.push({ method: 'get', path: `/v1/comments?limit=${limit}` });
  for (const path of ['/v1/comments/%', '/v1/comments/%E0%A4%A', '/v1/comments?limit=1&limit=2', '/v1/comments?status[]=held']) {
    requests.push({ method: 'get', path });
  }
  // Random mixes until there are well over 1,000.
  while (requests.length < 1500) {
    const body: Record<string, unknown> = commentPayload();
    for (let i = 0; i < 3; i++) body[pick(fields)] = pick(WRONG_VALUES.filter((v) => v !== null));
    requests.push({ method: 'post', path: pick(['/v1/comments', '/v1/comments/batch']), body: next() < 0.5 ? body : { comments: [body] } });
  }
  return requests;
}

describe('fuzzing the API with malformed requests', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(() => stack.close());

  it('answers every one with a 4xx in the error shape (a batch: every item refused) and writes nothing', async () => {
    const site = await createSite(stack, 'Fuzz site');
    // A real comment, so edits and reports have a target; and a generous rate limit.
    await request(stack.http).patch(`/v1/admin/sites/${site.id}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`).send({ rateLimitPerMinute: 1_000_000 }).expect(200);
    const target = await request(stack.http).post('/v1/comments').set('Authorization', `Bearer ${site.apiKey}`).send(commentPayload()).expect(202);
    const count = async () =>
      (await stack.db.query(
        `SELECT (SELECT count(*) FROM comments) AS comments, (SELECT count(*) FROM comment_revisions) AS revisions,
                (SELECT count(*) FROM reports) AS reports, (SELECT count(*) FROM sites) AS sites,
                (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM articles WHERE site_id = $1) AS articles,
                (SELECT count(*) FROM authors WHERE site_id = $1) AS authors,
                (SELECT row(max_body_length, rate_limit_per_minute)::text FROM sites WHERE id = $1) AS settings`,
        [site.id],
      ))[0];
    const before = await count();

    const requests = malformedRequests(random(20261125), target.body.id, site.id);
    expect(requests.length).toBeGreaterThanOrEqual(1000);
    const failures: string[] = [];
    const send = async (r: MalformedRequest) => {
      let call = request(stack.http)[r.method](r.path).set('Authorization', `Bearer ${r.auth ?? site.apiKey}`);
      if (r.contentType) call = call.set('Content-Type', r.contentType);
      if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) call = call.serialize((raw: unknown) => raw as string).send(r.body as string);
      else if (r.body !== undefined) call = call.send(r.body as object);
      const response = await call;
      const shaped = typeof response.body?.error === 'string' && Array.isArray(response.body?.details) && response.body.statusCode === response.status;
      // A batch answers 200 with a result per item: every item must have been refused.
      const batchRefused =
        response.status === 200 &&
        r.path === '/v1/comments/batch' &&
        response.body.accepted === 0 &&
        response.body.duplicates === 0 &&
        response.body.results.every((item: { errors?: unknown[] }) => (item.errors?.length ?? 0) > 0);
      if (!batchRefused && (response.status < 400 || response.status >= 500 || !shaped)) {
        failures.push(`${r.method.toUpperCase()} ${r.path} ${JSON.stringify(r.body)?.slice(0, 120)} → ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
      }
    };
    for (let i = 0; i < requests.length; i += 16) await Promise.all(requests.slice(i, i + 16).map(send));

    expect(failures).toEqual([]);
    expect(await count()).toEqual(before);
  }, 120_000);
});
