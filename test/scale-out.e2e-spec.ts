import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import pg from 'pg';
import { QUEUES, redisOptions } from '#app/queue';
import { freePort, type RunningProcess, startProcess, stopProcesses, waitFor, waitUntilReady } from './support/processes.js';

/**
 * Two API processes and two worker processes of one deployment (one QUEUE_PREFIX) on the same
 * PostgreSQL and Redis, as real processes: comments sent to either API are each decided exactly
 * once, including the same comment sent to both APIs at once, and two workers share one queue.
 * The drain rate with one worker and with two is printed, not asserted: the suite shares a few
 * cores with PostgreSQL, Redis and the other test files, and a timed comparison of two short
 * windows would flake (the bench measures it properly: npm run bench).
 */
describe('scaled out: two APIs and two workers on one PostgreSQL and one Redis', () => {
  const queuePrefix = `tk-test-scale-${randomBytes(4).toString('hex')}`;
  const base: NodeJS.ProcessEnv = { ...process.env, QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn', DATABASE_POOL_SIZE: '5' };
  const running: RunningProcess[] = [];
  const apiPorts: number[] = [];
  let db: pg.Client;
  let queue: Queue;
  let site: { id: string; apiKey: string };

  async function startApi(): Promise<number> {
    const port = freePort();
    const api = startProcess('api', { ...base, PORT: String(port), WORKER_PORT: String(freePort()) });
    running.push(api);
    await waitUntilReady(api, `the API on port ${port}`, `http://127.0.0.1:${port}/health/ready`, 60_000);
    return port;
  }

  async function startWorker(): Promise<RunningProcess> {
    const port = freePort();
    const worker = startProcess('worker', { ...base, WORKER_PORT: String(port), PORT: String(freePort()) });
    running.push(worker);
    await waitUntilReady(worker, `the worker on port ${port}`, `http://127.0.0.1:${port}/health/ready`, 60_000);
    return worker;
  }

  async function call(port: number, method: string, path: string, body: unknown, token = site.apiKey): Promise<{ status: number; body: any }> {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  let sequence = 0;
  function comment(label: string): Record<string, unknown> {
    sequence += 1;
    return {
      externalId: `${label}-${sequence}`,
      articleId: `article-${sequence % 7}`,
      author: { id: `reader-${sequence % 50}`, name: 'A Reader' },
      body: `Comment ${sequence} (${label}): the council should have finished the bridge years ago.`,
    };
  }

  /** Comments of this site not yet decided, and how many engine decisions there are. */
  async function progress(): Promise<{ pending: number; decisions: number }> {
    const { rows } = await db.query(
      `SELECT (SELECT count(*) FROM comments WHERE site_id = $1 AND status = 'pending')::int AS pending,
              (SELECT count(*) FROM decisions d JOIN comments c ON c.id = d.comment_id WHERE c.site_id = $1 AND d.kind = 'check')::int AS decisions`,
      [site.id],
    );
    return rows[0];
  }

  async function decidedTwice(): Promise<unknown[]> {
    const { rows } = await db.query(
      `SELECT d.comment_id, d.comment_revision, count(*) FROM decisions d JOIN comments c ON c.id = d.comment_id
        WHERE c.site_id = $1 AND d.kind = 'check' GROUP BY 1, 2 HAVING count(*) > 1`,
      [site.id],
    );
    return rows;
  }

  /**
   * Drain rate of a queue filled while paused: `count` comments go in through the batch endpoint,
   * then the queue resumes and the clock runs until every one is decided.
   */
  async function drainRate(count: number, label: string): Promise<number> {
    await queue.pause();
    const before = (await progress()).decisions;
    for (let sent = 0; sent < count; sent += 500) {
      const items = Array.from({ length: Math.min(500, count - sent) }, () => comment(label));
      const answer = await call(apiPorts[(sent / 500) % apiPorts.length], 'POST', '/v1/comments/batch', { comments: items });
      expect(answer.status).toBe(200);
      expect(answer.body.accepted).toBe(items.length);
    }
    const started = performance.now();
    await queue.resume();
    await waitFor(`${count} decisions (${label})`, async () => (await progress()).decisions - before >= count, 120_000);
    return count / ((performance.now() - started) / 1000);
  }

  beforeAll(async () => {
    db = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    queue = new Queue(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: queuePrefix });
    apiPorts.push(...(await Promise.all([startApi(), startApi()])));
    const created = await call(apiPorts[0], 'POST', '/v1/admin/sites', { name: 'Scale-out', slug: `scale-${randomBytes(4).toString('hex')}` }, process.env.ADMIN_TOKEN);
    expect(created.status).toBe(201);
    site = created.body;
    // The limit is per key across every API process (counted in Redis); lift it for this test.
    expect((await call(apiPorts[1], 'PATCH', `/v1/admin/sites/${site.id}`, { rateLimitPerMinute: 100_000 })).status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    await stopProcesses(running);
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await db?.end();
  }, 60_000);

  it('decides every comment sent to either API exactly once; prints the drain rate with one worker and with two', async () => {
    const [first] = await Promise.all([startWorker()]);
    expect(first.child.exitCode).toBeNull();

    // Drain rate with one worker, then with two, each on a queue filled while paused.
    const one = await drainRate(600, 'one-worker');
    await startWorker();
    const two = await drainRate(600, 'two-workers');
    // Informational: a timed comparison on shared cores is not a correctness property.
    console.log(`scale-out drain rate: 1 worker ${one.toFixed(0)} comments/s, 2 workers ${two.toFixed(0)} comments/s, ratio ${(two / one).toFixed(2)}×`);

    // Single comments through both APIs at once, each sent twice (to each API): a retry must not
    // make a second job or a second decision.
    const singles = Array.from({ length: 120 }, () => comment('single'));
    const answers = await Promise.all(
      singles.flatMap((item, i) => [call(apiPorts[i % 2], 'POST', '/v1/comments', item), call(apiPorts[(i + 1) % 2], 'POST', '/v1/comments', item)]),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 202 || s === 200)).toBe(true);
    // Each comment was created once (one 202) and its copy found as a retry (one 200), whichever API won the race.
    for (let i = 0; i < singles.length; i++) {
      expect([answers[2 * i].status, answers[2 * i + 1].status].sort()).toEqual([200, 202]);
      expect(answers[2 * i].body.id).toBe(answers[2 * i + 1].body.id);
    }

    await waitFor('every comment decided', async () => (await progress()).pending === 0, 60_000);
    const { rows } = await db.query(`SELECT count(*)::int AS comments FROM comments WHERE site_id = $1`, [site.id]);
    expect(rows[0].comments).toBe(600 + 600 + singles.length);
    expect(await progress()).toEqual({ pending: 0, decisions: rows[0].comments });
    expect(await decidedTwice()).toEqual([]);
    // Both workers are still running: nothing crashed under contention for the same jobs.
    expect(running.every(({ child }) => child.exitCode === null)).toBe(true);
  }, 120_000);
});
