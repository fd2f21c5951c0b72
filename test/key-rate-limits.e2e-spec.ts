import request from 'supertest';
import { ADMIN_TOKEN, createSite, type Stack, startStack, unique } from './support/stack.js';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const LIMIT = 3;

/**
 * A site key counts against its rate limit on every route it opens, the admin and review routes
 * included; the operator's admin token and moderators' sessions do not count.
 */
describe('rate limits of site keys beyond the comments API', () => {
  let stack: Stack;
  let site: { id: string; apiKey: string };

  /** Sends the request LIMIT + 1 times: each within the limit says what remains, the last is refused. */
  async function exhaust(send: () => request.Test) {
    for (let remaining = LIMIT - 1; remaining >= 0; remaining--) {
      const response = await send().expect(200);
      expect(response.headers['ratelimit-limit']).toBe(String(LIMIT));
      expect(response.headers['ratelimit-remaining']).toBe(String(remaining));
    }
    const refused = await send().expect(429);
    expect(refused.body.error).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    site = await createSite(stack, 'Limited admin');
    await request(stack.http).patch(`/v1/admin/sites/${site.id}`).set(bearer(ADMIN_TOKEN)).send({ rateLimitPerMinute: LIMIT }).expect(200);
  });
  afterAll(() => stack.close());

  it('counts a key with the admin scope on admin routes, and not the admin token', async () => {
    const testPolicy = (token: string) => request(stack.http).post(`/v1/sites/${site.id}/policy/test`).set(bearer(token)).send({ body: 'Fine words.' });
    await exhaust(() => testPolicy(site.apiKey));
    const admin = await testPolicy(ADMIN_TOKEN).expect(200);
    expect(admin.headers['ratelimit-limit']).toBeUndefined();
  });

  it("counts a key with the moderation scope on review routes, and not a moderator's session", async () => {
    const created = await request(stack.http)
      .post(`/v1/admin/sites/${site.id}/keys`)
      .set(bearer(ADMIN_TOKEN))
      .send({ name: 'review', scopes: ['moderation'] })
      .expect(201);
    await exhaust(() => request(stack.http).get('/v1/moderation/queue').set(bearer(created.body.key)));

    const email = `${unique('mod')}@news.example`;
    const password = 'correct horse battery staple';
    await request(stack.http).post('/v1/admin/moderators').set(bearer(ADMIN_TOKEN)).send({ email, name: 'Mod', password, role: 'moderator', siteIds: [site.id] }).expect(201);
    const moderator = request.agent(stack.http);
    await moderator.post('/v1/auth/login').send({ email, password }).expect(200);
    for (let i = 0; i <= LIMIT; i++) {
      const response = await moderator.get('/v1/moderation/queue').expect(200);
      expect(response.headers['ratelimit-limit']).toBeUndefined();
    }
  });
});
