import { type JobType, Queue } from 'bullmq';
import request from 'supertest';
import { JOBS, type ModerateJob, moderateJobId, moderateJobOptions, QUEUES, redisOptions } from '#app/queue';
import { drainWorkers } from '../apps/worker/src/drain.js';
import { LearningService } from '../apps/worker/src/learning/learning.service.js';
import { OutboxRelayService } from '../apps/worker/src/publication/outbox-relay.service.js';
import { ReconcilerService } from '../apps/worker/src/reconciler/reconciler.service.js';
import { freePort, startProcess, waitFor } from './support/processes.js';
import { commentPayload, createSite, type Stack, startStack, waitForDecision } from './support/stack.js';

describe('the worker and API processes', () => {
  it.each(['api', 'worker'] as const)('%s stops at start-up naming a missing or bad variable', async (entry) => {
    const { DATABASE_URL: _omitted, ...withoutDatabase } = process.env;
    const missing = startProcess(entry, { ...withoutDatabase, PORT: 'eighty' });
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toContain('DATABASE_URL (missing)');
    expect(missing.output()).toContain('PORT (invalid)');
  });

  describe('on SIGTERM', () => {
    let stack: Stack;
    let queue: Queue;
    beforeAll(async () => {
      stack = await startStack({ worker: false });
      queue = new Queue(QUEUES.moderation, {
        connection: redisOptions(process.env.REDIS_URL!, 'consumer'),
        prefix: stack.queuePrefix,
      });
    });
    afterAll(async () => {
      await queue.close();
      await stack.close();
    });

    it('lets in-flight jobs finish, then exits; the rest is decided exactly once after a restart', async () => {
      const site = await createSite(stack);
      const total = 600;
      const comments = Array.from({ length: total }, (_, i) => commentPayload({ body: `Comment number ${i}: the bridge should have been finished years ago.` }));
      // Sixty requests of ten: sixty jobs, more than the worker runs at once.
      for (let start = 0; start < total; start += 10) {
        const stored = await request(stack.http).post('/v1/comments/batch').set('Authorization', `Bearer ${site.apiKey}`).send({ comments: comments.slice(start, start + 10) }).expect(200);
        expect(stored.body.accepted).toBe(10);
      }
      const env = { ...process.env, LOG_LEVEL: 'info', QUEUE_PREFIX: stack.queuePrefix, WORKER_PORT: String(freePort()), MODERATION_CONCURRENCY: '16' };
      const decided = async () =>
        Number((await stack.db.query(`SELECT count(*) FROM decisions d JOIN comments c ON c.id = d.comment_id WHERE c.site_id = $1`, [site.id]))[0].count);

      const first = startProcess('worker', env);
      // The worker's own HTTP listener answers health checks.
      const health = await waitFor('worker readiness', async () => {
        const response = await fetch(`http://127.0.0.1:${env.WORKER_PORT}/health/ready`);
        return response.ok ? response.json() : undefined;
      });
      expect(health).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
      await waitFor('the first decisions', async () => (await decided()) > 0);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('shutdown complete');

      // Nothing was cut off mid-job: no active or failed jobs, and every completed job has its decision.
      const counts = await queue.getJobCounts('active', 'failed');
      expect(counts).toEqual({ active: 0, failed: 0 });
      const checksIn = async (states: JobType[]) => (await queue.getJobs(states)).reduce((sum, job) => sum + job.data.checks.length, 0);
      const completed = await checksIn(['completed']);
      expect(completed).toBeGreaterThan(0);
      expect(completed).toBeLessThan(total);
      expect(completed).toBe(await decided());
      expect(completed + (await checksIn(['waiting', 'prioritized']))).toBe(total);

      const second = startProcess('worker', env);
      await waitFor('every comment decided', async () => (await decided()) === total, 60_000);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const [row] = await stack.db.query(
        `SELECT count(*) AS comments, count(*) FILTER (WHERE c.status = 'pending') AS pending,
                max(n) AS most_decisions
           FROM comments c
           JOIN LATERAL (SELECT count(*) AS n FROM decisions d WHERE d.comment_id = c.id) d ON true
          WHERE c.site_id = $1`,
        [site.id],
      );
      expect(row).toEqual({ comments: String(total), pending: '0', most_decisions: '1' });
    }, 120_000);
  });
});

describe('draining a worker', () => {
  /**
   * Replaces an object's method with one that only counts its calls: at these fast intervals the
   * real rounds would relay and re-queue the rows of other suites sharing the database, into a
   * queue nobody works once this stack closes.
   */
  function countCalls<T extends object>(target: T, method: keyof T & string): { count: number } {
    const counter = { count: 0 };
    Object.assign(target, { [method]: async () => void counter.count++ });
    return counter;
  }

  it('stops every background round before the processors close', async () => {
    const stack = await startStack({ env: { RECONCILE_INTERVAL_MS: '100', OUTBOX_POLL_MS: '20' } });
    try {
      const worker = stack.worker!;
      const rounds = [countCalls(worker.get(OutboxRelayService), 'relay'), countCalls(worker.get(LearningService), 'learn'), countCalls(worker.get(ReconcilerService), 'reconcile')];
      await waitFor('a round of each', async () => rounds.every((round) => round.count > 0));
      await drainWorkers(worker);
      const drained = rounds.map((round) => round.count);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(rounds.map((round) => round.count)).toEqual(drained);
    } finally {
      await stack.close();
    }
  });
});

describe('a moderation job that fails every attempt', () => {
  let stack: Stack;
  const saved = { ...process.env };
  beforeAll(async () => {
    process.env.MODERATION_ATTEMPTS = '2';
    process.env.MODERATION_BACKOFF_MS = '20';
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
    process.env = saved;
  });

  // A policy stored past the API's validation makes the engine refuse to build: every check of the site fails.
  const breakPolicy = (siteId: string) =>
    stack.db.query(`INSERT INTO site_policies (site_id, version, policy, changed_by) VALUES ($1, 1, '{"mode": 5}', 'test')`, [siteId]);
  const mendPolicy = (siteId: string) => stack.db.query(`UPDATE site_policies SET policy = '{}' WHERE site_id = $1`, [siteId]);
  const moderationQueue = () =>
    new Queue<ModerateJob>(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
  /** Posts a comment; answers its id. */
  const post = async (site: { apiKey: string }): Promise<string> =>
    (await request(stack.http).post('/v1/comments').set('Authorization', `Bearer ${site.apiKey}`).send(commentPayload()).expect(202)).body.id;
  /** Posts a comment while the queue is paused and removes its own job, so only the test's jobs check it. */
  const postWithoutJob = async (queue: Queue, site: { apiKey: string }): Promise<string> => {
    const id = await post(site);
    await queue.remove(id);
    return id;
  };

  it('leaves its comment pending and the job visible as failed, and a retry after the fault decides it', async () => {
    const site = await createSite(stack);
    await breakPolicy(site.id);
    const commentId = await post(site);
    const queue = moderationQueue();
    try {
      await waitFor('the job to fail for good', async () => (await queue.getJobState(commentId)) === 'failed');
      // Read after it failed: a job read earlier may hold the counts of the attempt before.
      const job = (await queue.getJob(commentId))!;
      expect(job.attemptsMade).toBe(2);
      expect(job.failedReason).toMatch(/mode/);
      const stored = await request(stack.http).get(`/v1/comments/${commentId}`).set('Authorization', `Bearer ${site.apiKey}`).expect(200);
      expect(stored.body).toMatchObject({ status: 'pending', decision: null });

      await mendPolicy(site.id);
      await job.retry();
      const decided = await waitForDecision(stack, site.apiKey, commentId);
      expect(decided.status).toBe('approved');
    } finally {
      await queue.close();
    }
  });

  it("decides the rest of a group when some comments cannot be checked, and leaves the job failed with only those pending", async () => {
    const good = await createSite(stack, 'Good site');
    const broken = await createSite(stack, 'Broken site');
    await breakPolicy(broken.id);
    const queue = moderationQueue();
    try {
      // The only job is the group below.
      await queue.pause();
      const stored = [await postWithoutJob(queue, broken), await postWithoutJob(queue, good)];
      const [brokenId, goodId] = stored;
      const checks = stored.map((commentId) => ({ commentId, revision: 1 }));
      const options = moderateJobOptions({ attempts: 2, backoffMs: 20 });
      await queue.add(JOBS.moderate.name, { checks }, { ...options, jobId: moderateJobId(checks) });
      await queue.resume();

      await waitFor('the group job to fail for good', async () => (await queue.getJobState(moderateJobId(checks))) === 'failed');
      const job = (await queue.getJob(moderateJobId(checks)))!;
      expect(job.attemptsMade).toBe(2);
      expect(job.failedReason).toMatch(new RegExp(`^1 of 2 comment\\(s\\) could not be checked; the first, ${brokenId} r1: .*mode`));
      expect((await waitForDecision(stack, good.apiKey, goodId)).status).toBe('approved');
      const pending = await request(stack.http).get(`/v1/comments/${brokenId}`).set('Authorization', `Bearer ${broken.apiKey}`).expect(200);
      expect(pending.body).toMatchObject({ status: 'pending', decision: null });

      await mendPolicy(broken.id);
      await job.retry();
      expect((await waitForDecision(stack, broken.apiKey, brokenId)).status).toBe('approved');
      await waitFor('the retried job to complete', async () => (await queue.getJobState(job.id!)) === 'completed');
      expect((await queue.getJob(job.id!))!.returnvalue).toEqual({ decided: 1, alreadyDecided: 1, gone: 0 });
      const decisions = await stack.db.query(`SELECT comment_id, count(*)::int AS n FROM decisions WHERE comment_id = ANY($1::uuid[]) GROUP BY 1`, [stored]);
      expect(decisions).toHaveLength(2);
      expect(decisions.every((d: { n: number }) => d.n === 1)).toBe(true);
    } finally {
      await queue.close();
    }
  });

  it('checks jobs running at the same time together, failing only the jobs whose own comments could not be checked', async () => {
    const good = await createSite(stack, 'Coalesced good site');
    const broken = await createSite(stack, 'Coalesced broken site');
    await breakPolicy(broken.id);
    const queue = moderationQueue();
    try {
      await queue.pause();
      const jobs: { site: { apiKey: string }; commentId: string }[] = [];
      for (let i = 0; i < 16; i++) {
        const site = i % 4 === 3 ? broken : good;
        jobs.push({ site, commentId: await postWithoutJob(queue, site) });
      }
      // One job per comment, all waiting when the worker resumes: up to 16 run at once.
      const options = moderateJobOptions({ attempts: 1, backoffMs: 20 });
      await queue.addBulk(jobs.map(({ commentId }) => ({ name: JOBS.moderate.name, data: { checks: [{ commentId, revision: 1 }] }, opts: { ...options, jobId: `coalesced-${commentId}` } })));
      await queue.resume();

      const states = async () => Promise.all(jobs.map(({ commentId }) => queue.getJobState(`coalesced-${commentId}`)));
      await waitFor('every job to settle', async () => (await states()).every((state) => state === 'completed' || state === 'failed'));
      for (const [i, state] of (await states()).entries()) {
        const job = (await queue.getJob(`coalesced-${jobs[i].commentId}`))!;
        if (jobs[i].site === broken) {
          expect(state).toBe('failed');
          expect(job.failedReason).toMatch(new RegExp(`^1 of 1 comment\\(s\\) could not be checked; the first, ${jobs[i].commentId} r1: .*mode`));
        } else {
          expect(state).toBe('completed');
          expect(job.returnvalue).toEqual({ decided: 1, alreadyDecided: 0, gone: 0 });
        }
      }
      // Decisions recorded by one statement share its transaction's time: fewer statements than jobs.
      const goodIds = jobs.filter((j) => j.site === good).map((j) => j.commentId);
      const [{ statements }] = await stack.db.query(`SELECT count(DISTINCT created_at)::int AS statements FROM decisions WHERE comment_id = ANY($1::uuid[])`, [goodIds]);
      expect(statements).toBeLessThan(goodIds.length);
    } finally {
      await queue.close();
      // Its comments would stay pending for good: other suites' reconcilers scan every site.
      await stack.db.query(`DELETE FROM sites WHERE id = $1`, [broken.id]);
    }
  });
});
