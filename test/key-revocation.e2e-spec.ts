import { randomBytes } from 'node:crypto';
import { freePort, type RunningProcess, startProcess, stopProcesses, waitUntilReady } from './support/processes.js';

/**
 * API processes keep the keys they verified for a moment; a revocation through one must still be
 * refused at once by every other. Two API processes of one deployment, as real processes.
 */
describe('API keys across API processes', () => {
  const base: NodeJS.ProcessEnv = { ...process.env, QUEUE_PREFIX: `tk-test-keys-${randomBytes(4).toString('hex')}`, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '3' };
  const running: RunningProcess[] = [];
  let first: number;
  let second: number;

  async function startApi(): Promise<number> {
    const port = freePort();
    const api = startProcess('api', { ...base, PORT: String(port), WORKER_PORT: String(freePort()) });
    running.push(api);
    await waitUntilReady(api, `the API on port ${port}`, `http://127.0.0.1:${port}/health/ready`, 60_000);
    return port;
  }

  async function call(port: number, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    [first, second] = await Promise.all([startApi(), startApi()]);
  }, 90_000);

  afterAll(async () => {
    await stopProcesses(running);
  }, 30_000);

  it('refuses a key revoked through one process at once in another that had just accepted it, and honours a rotation overlap', async () => {
    const site = await call(first, 'POST', '/v1/admin/sites', process.env.ADMIN_TOKEN!, { name: 'Keys', slug: `keys-${randomBytes(4).toString('hex')}` });
    expect(site.status).toBe(201);
    const keysPath = `/v1/admin/sites/${site.body.id}/keys`;
    const newKey = async (name: string) => (await call(first, 'POST', keysPath, site.body.apiKey, { name, scopes: ['comments:read'] })).body;
    const list = (port: number, key: string) => call(port, 'GET', '/v1/comments', key);

    // Revoked through the first process right after the second accepted (and kept) it.
    const revoked = await newKey('revoked');
    for (let i = 0; i < 3; i++) expect((await list(second, revoked.key)).status).toBe(200);
    expect((await call(first, 'POST', `${keysPath}/${revoked.id}/revoke`, site.body.apiKey)).status).toBe(200);
    expect((await list(second, revoked.key)).status).toBe(401);
    expect((await list(first, revoked.key)).status).toBe(401);

    // Rotated with an overlap: the old key keeps working in both until its grace ends, then stops.
    const rotating = await newKey('rotating');
    expect((await list(second, rotating.key)).status).toBe(200);
    const rotated = await call(first, 'POST', `${keysPath}/${rotating.id}/rotate`, site.body.apiKey, { graceSeconds: 3 });
    expect(rotated.status).toBe(201);
    const graceEnds = Date.now() + 3_000;
    for (const port of [second, first]) {
      expect((await list(port, rotating.key)).status).toBe(200);
      expect((await list(port, rotated.body.key)).status).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, graceEnds - Date.now() + 100));
    expect((await list(second, rotating.key)).status).toBe(401);
    expect((await list(first, rotating.key)).status).toBe(401);
    expect((await list(second, rotated.body.key)).status).toBe(200);

    // Ended early: revoking the old key during its overlap takes effect at once too.
    const overlapping = await newKey('overlapping');
    const replacement = await call(first, 'POST', `${keysPath}/${overlapping.id}/rotate`, site.body.apiKey, { graceSeconds: 3600 });
    expect((await list(second, overlapping.key)).status).toBe(200);
    expect((await call(first, 'POST', `${keysPath}/${overlapping.id}/revoke`, site.body.apiKey)).status).toBe(200);
    expect((await list(second, overlapping.key)).status).toBe(401);
    expect((await list(second, replacement.body.key)).status).toBe(200);
  }, 60_000);
});
