import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import request from 'supertest';
import { type ModerateJob, QUEUES, redisOptions } from '#app/queue';
import { ReconcilerService } from '../apps/worker/src/reconciler/reconciler.service.js';
import { freePort, startProcess, waitFor, waitUntilReady } from './support/processes.js';
import { WebhookReceiver } from './support/receiver.js';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, waitForDecision } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const basic = (token: string) => ({ Authorization: `Basic ${Buffer.from(`ops:${token}`).toString('base64')}` });

describe('operations', () => {
  let stack: Stack;
  let site: { id: string; apiKey: string };
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, { MODERATION_ATTEMPTS: '1', RECONCILE_PENDING_AFTER_MS: '100', RECONCILE_INTERVAL_MS: '3600000', WEBHOOK_ALLOW_PRIVATE: 'true', OUTBOX_POLL_MS: '50', THREAD_COALESCE_MS: '100' });
    stack = await startStack();
    site = await createSite(stack, 'Ops site');
  });
  afterAll(async () => {
    await stack.close();
    process.env = saved;
  });

  it('exposes Prometheus metrics on the API and the worker', async () => {
    const created = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload()).expect(202);
    await waitForDecision(stack, site.apiKey, created.body.id);
    const api = await request(stack.http).get('/metrics').expect(200).expect('Content-Type', /text\/plain/);
    expect(api.text).toMatch(/threadkeeper_http_request_duration_seconds_count\{route="\/v1\/comments",method="POST",status="202"\} [1-9]/);
    expect(api.text).toMatch(/threadkeeper_comments_ingested_total\{endpoint="single",outcome="accepted"\} [1-9]/);
    expect(api.text).toMatch(/threadkeeper_queue_jobs\{queue="moderation",state="waiting"\}/);
    expect(api.text).toMatch(/threadkeeper_outbox_backlog\{measure="rows"\}/);
    expect(api.text).toMatch(/threadkeeper_db_pool_connections\{state="total"\} [1-9]/);
    // The worker's metrics: decisions, latency, engine phases, deliveries.
    const worker = await request(stack.worker!.getHttpServer()).get('/metrics').expect(200);
    expect(worker.text).toMatch(/threadkeeper_decisions_total\{action="approve",category="none",decided_by="system"\} [1-9]/);
    expect(worker.text).toMatch(/threadkeeper_ingest_to_decision_seconds_count [1-9]/);
    expect(worker.text).toMatch(/threadkeeper_engine_phase_seconds_count\{phase="[a-z_-]+"\} [1-9]/);
    expect(worker.text).toContain('threadkeeper_webhook_attempts_total');
    expect(worker.text).toContain('threadkeeper_reconciler_actions_total');
  });

  it('serves the queue dashboard to operators only, and retrying a failed job from it works', async () => {
    const denied = await request(stack.http).get('/ops/queues').expect(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Basic /);
    await request(stack.http).get('/ops/queues').set(basic('wrong-token')).expect(401);
    await request(stack.http).get('/ops/queues').set(bearer(site.apiKey)).expect(401);
    const page = await request(stack.http).get('/ops/queues').set(basic(ADMIN_TOKEN)).expect(200);
    expect(page.text).toContain('<html');
    const queues = await request(stack.http).get('/ops/queues/api/queues').set(bearer(ADMIN_TOKEN)).expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['moderation', 'publication']);

    // A job that fails its only attempt (the policy breaks the engine), retried from the dashboard once fixed.
    const failing = await createSite(stack, 'Failing site');
    await stack.db.query(`INSERT INTO site_policies (site_id, version, policy, changed_by) VALUES ($1, 1, '{"mode": 5}', 'test')`, [failing.id]);
    const created = await request(stack.http).post('/v1/comments').set(bearer(failing.apiKey)).send(commentPayload()).expect(202);
    const queue = new Queue(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
    try {
      await waitFor('the job to fail', async () => (await (await queue.getJob(created.body.id))?.getState()) === 'failed');
      await stack.db.query(`UPDATE site_policies SET policy = '{}' WHERE site_id = $1`, [failing.id]);
      await request(stack.http).put(`/ops/queues/api/queues/moderation/${created.body.id}/retry`).set(basic(ADMIN_TOKEN)).expect(204);
      expect((await waitForDecision(stack, failing.apiKey, created.body.id)).status).toBe('approved');
    } finally {
      await queue.close();
    }
  });

  it('has a read-only mode', async () => {
    const readOnly = await startStack({ worker: false, queuePrefix: stack.queuePrefix, env: { QUEUE_DASHBOARD_READ_ONLY: 'true' } });
    try {
      const response = await request(readOnly.http).put('/ops/queues/api/queues/moderation/some-job/retry').set(basic(ADMIN_TOKEN));
      expect(response.status).toBe(405);
    } finally {
      await readOnly.close();
    }
  });

  it('re-queues comments whose job was lost, and carries one correlation id from the request to the delivery', async () => {
    const receiver = new WebhookReceiver();
    const url = await receiver.start();
    try {
      await request(stack.http).put(`/v1/sites/${site.id}/webhook`).set(bearer(site.apiKey)).send({ url, events: ['thread.updated'] }).expect(200);
      const apiOnly = await startStack({ worker: false, queuePrefix: `${stack.queuePrefix}-lost` });
      const created = await request(apiOnly.http)
        .post('/v1/comments')
        .set(bearer(site.apiKey))
        .set('X-Request-Id', 'req-ops-42')
        .send(commentPayload({ articleId: 'correlated' }))
        .expect(202)
        .expect('X-Request-Id', 'req-ops-42');
      await apiOnly.close();
      // The job went to a queue no worker reads: as good as lost. The reconciler finds the comment.
      await new Promise((resolve) => setTimeout(resolve, 150));
      const repaired = await stack.worker!.get(ReconcilerService).reconcile();
      expect(repaired.comments).toBeGreaterThanOrEqual(1);
      expect((await waitForDecision(stack, site.apiKey, created.body.id)).status).toBe('approved');
      const delivery = await waitFor('the delivery', async () => {
        const [row] = await stack.db.query(
          `SELECT d.correlation_id FROM webhook_deliveries d JOIN articles a ON a.id = d.article_id WHERE a.external_id = 'correlated' AND d.status = 'delivered'`,
        );
        return row;
      });
      // A re-queued job has no request behind it; a normal one carries the caller's id to the receiver.
      const normal = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).set('X-Request-Id', 'req-ops-43').send(commentPayload({ articleId: 'correlated-2' })).expect(202);
      await waitForDecision(stack, site.apiKey, normal.body.id);
      const received = await waitFor('the correlated delivery', async () => receiver.latestThread('correlated-2'));
      expect(received.headers['x-request-id']).toBe('req-ops-43');
      expect(delivery).toBeDefined();
    } finally {
      await receiver.stop();
    }
  });
});

describe('the reconciler', () => {
  let stack: Stack;
  let queue: Queue<ModerateJob>;
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, { MODERATION_ATTEMPTS: '1', RECONCILE_PENDING_AFTER_MS: '100', RECONCILE_INTERVAL_MS: '3600000' });
    stack = await startStack();
    queue = new Queue(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
  });
  afterAll(async () => {
    await queue.close();
    await stack.close();
    process.env = saved;
  });

  const post = async (site: { apiKey: string }) =>
    (await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload()).expect(202)).body.id as string;
  /** Two comments stored together: one job for both. */
  const postPair = async (site: { apiKey: string }) => {
    const stored = await request(stack.http).post('/v1/comments/batch').set(bearer(site.apiKey)).send({ comments: [commentPayload(), commentPayload()] }).expect(200);
    return stored.body.results.map((r: { id: string }) => r.id) as string[];
  };
  const storedLongAgo = (ids: string[]) => stack.db.query(`UPDATE comments SET updated_at = now() - interval '10 minutes' WHERE id = ANY($1::uuid[])`, [ids]);
  const queuedChecks = async () => (await queue.getJobs(['waiting'])).flatMap((job) => job.data.checks.map((check) => check.commentId)).sort();
  const statusOf = async (site: { apiKey: string }, id: string) =>
    (await request(stack.http).get(`/v1/comments/${id}`).set(bearer(site.apiKey)).expect(200)).body.status;

  it('re-queues a comment whose job was lost, but none in a failed job or waiting behind a backlog', async () => {
    const site = await createSite(stack, 'Reconciled site');
    const broken = await createSite(stack, 'Reconciled broken site');
    await stack.db.query(`INSERT INTO site_policies (site_id, version, policy, changed_by) VALUES ($1, 1, '{"mode": 5}', 'test')`, [broken.id]);
    const failed = await postPair(broken);
    await waitFor('the job to fail', async () => (await queue.getJobs(['failed'])).length === 1);
    await storedLongAgo(failed);

    await queue.pause();
    const waiting = await postPair(site);
    const lost = await post(site);
    await queue.remove(lost);
    await storedLongAgo([lost]);
    // Pending for longer than RECONCILE_PENDING_AFTER_MS, but in the oldest job still queued.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const reconciler = stack.worker!.get(ReconcilerService);
    expect(await reconciler.reconcile()).toEqual({ comments: 1, deliveries: 0 });
    expect(await queuedChecks()).toEqual([...waiting, lost].sort());
    // Its new job is still queued: the next round adds nothing.
    expect(await reconciler.reconcile()).toEqual({ comments: 0, deliveries: 0 });

    await queue.resume();
    for (const id of [...waiting, lost]) expect((await waitForDecision(stack, site.apiKey, id)).status).toBe('approved');
    for (const id of failed) expect(await statusOf(broken, id)).toBe('pending');

    // With the queue obliterated, the failed job is gone too: its comments are queued again.
    await queue.obliterate({ force: true });
    await stack.db.query(`UPDATE site_policies SET policy = '{}' WHERE site_id = $1`, [broken.id]);
    expect(await reconciler.reconcile()).toEqual({ comments: 2, deliveries: 0 });
    for (const id of failed) expect((await waitForDecision(stack, broken.apiKey, id)).status).toBe('approved');
  });
});

describe('faults, with real processes', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(() => stack.close());

  it('kill -9 of the worker in the middle of a batch: every comment still ends with exactly one engine decision', async () => {
    const site = await createSite(stack, 'Kill site');
    const comments = Array.from({ length: 1000 }, (_, i) => commentPayload({ body: `Remark ${i} on the new bus lanes.` }));
    await request(stack.http).post('/v1/comments/batch').set(bearer(site.apiKey)).send({ comments }).expect(200);
    const env = { ...process.env, QUEUE_PREFIX: stack.queuePrefix, JOB_LOCK_MS: '2000', LOG_LEVEL: 'warn' };
    const decided = async () => Number((await stack.db.query(`SELECT count(*) FROM comments WHERE site_id = $1 AND status <> 'pending'`, [site.id]))[0].count);

    const doomed = startProcess('worker', { ...env, WORKER_PORT: String(freePort()) });
    await waitFor('some decisions', async () => (await decided()) > 50, 30_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    expect(await decided()).toBeLessThan(1000);

    const survivor = startProcess('worker', { ...env, WORKER_PORT: String(freePort()) });
    try {
      // Jobs the dead worker held come back once their lock lapses (JOB_LOCK_MS).
      await waitFor('every comment decided', async () => (await decided()) === 1000, 60_000);
    } finally {
      survivor.child.kill('SIGTERM');
      await survivor.exited;
    }
    const [row] = await stack.db.query(
      `SELECT count(DISTINCT c.id)::int AS comments, count(d.id)::int AS decisions
         FROM comments c LEFT JOIN decisions d ON d.comment_id = c.id AND d.kind = 'check' WHERE c.site_id = $1`,
      [site.id],
    );
    expect(row).toEqual({ comments: 1000, decisions: 1000 });
  }, 120_000);

  it('Redis stopped for 10 s during ingest: 503 with a clear message, never 500, and nothing accepted is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-redis-'));
    const port = freePort();
    const startRedis = (): ChildProcess =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    let redis = startRedis();
    const env = { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}/0`, QUEUE_PREFIX: 'tk-fault', LOG_LEVEL: 'info' };
    const apiPort = freePort();
    const api = startProcess('api', { ...env, PORT: String(apiPort) });
    const worker = startProcess('worker', { ...env, WORKER_PORT: String(freePort()) });
    const base = `http://127.0.0.1:${apiPort}`;
    try {
      await waitUntilReady(api, 'the API', `${base}/health/ready`);
      const site = await createSite(stack, 'Outage site');
      const sent: Record<string, unknown>[] = [];
      const statuses: number[] = [];
      const unavailable: Record<string, unknown>[] = [];
      const unavailableIds: string[] = [];
      const send = async (payload: Record<string, unknown>) => {
        const requestId = `outage-${sent.length}`;
        const response = await fetch(`${base}/v1/comments`, {
          method: 'POST',
          // A client address behind a proxy: it must not reach the logs.
          headers: { 'content-type': 'application/json', authorization: `Bearer ${site.apiKey}`, 'x-forwarded-for': '203.0.113.77', 'x-request-id': requestId },
          body: JSON.stringify(payload),
        });
        statuses.push(response.status);
        if (response.status === 503) {
          unavailableIds.push(requestId);
          const body = await response.json();
          expect(body).toMatchObject({ statusCode: 503, error: 'service_unavailable', message: expect.stringMatching(/stored, retry/) });
          expect(response.headers.get('retry-after')).toBe('5');
          unavailable.push(payload);
        }
      };
      const started = Date.now();
      let stopped = false;
      let restarted = false;
      while (Date.now() - started < 16_000) {
        const elapsed = Date.now() - started;
        if (!stopped && elapsed > 2_000) {
          redis.kill('SIGTERM');
          await new Promise((resolve) => redis.once('exit', resolve));
          stopped = true;
        }
        if (stopped && !restarted && elapsed > 12_000) {
          redis = startRedis();
          restarted = true;
        }
        const payload = commentPayload();
        sent.push(payload);
        await send(payload);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
      expect(unavailable.length).toBeGreaterThan(10);
      const ready = await fetch(`${base}/health/ready`);
      expect(ready.status).toBe(200);

      // Clients retry what got a 503 (as Retry-After says); those comments were stored already.
      await waitFor('Redis back for the API', async () => (await fetch(`${base}/health/ready`)).ok, 20_000);
      for (const payload of unavailable) {
        const retry = await fetch(`${base}/v1/comments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${site.apiKey}` }, body: JSON.stringify(payload) });
        expect(retry.status).toBe(200);
      }
      await waitFor('every comment decided', async () => {
        const [row] = await stack.db.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'pending')::int AS pending FROM comments WHERE site_id = $1`, [site.id]);
        return row.total === sent.length && row.pending === 0;
      }, 60_000);

      // The API logged every request as JSON, with no API key, admin token or client address.
      const logs = api.output();
      expect(logs).toMatch(/"msg":"request completed"/);
      for (const secret of [site.apiKey, process.env.ADMIN_TOKEN!, '203.0.113.77']) expect(logs).not.toContain(secret);
      // Each 503 was logged as an error with the id, method and path of its request.
      const errorLines = logs.split('\n').filter((line) => line.includes('"context":"ErrorFilter"')).map((line) => JSON.parse(line));
      expect(errorLines.map((line) => line.req)).toEqual(
        expect.arrayContaining(unavailableIds.map((id) => ({ id, method: 'POST', url: '/v1/comments' }))),
      );
    } finally {
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      await Promise.all([api.exited, worker.exited]);
      redis.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
