import { Queue } from 'bullmq';
import request from 'supertest';
import { QUEUES, redisOptions } from '#app/queue';
import { freePort, startProcess, waitFor } from './support/processes.js';
import { commentPayload, createSite, type Stack, startStack } from './support/stack.js';

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
      const ids: string[] = [];
      for (let i = 0; i < total; i++) {
        const response = await request(stack.http)
          .post('/v1/comments')
          .set('Authorization', `Bearer ${site.apiKey}`)
          .send(commentPayload({ body: `Comment number ${i}: the bridge should have been finished years ago.` }))
          .expect(202);
        ids.push(response.body.id);
      }
      const env = { ...process.env, LOG_LEVEL: 'info', QUEUE_PREFIX: stack.queuePrefix, WORKER_PORT: String(freePort()), MODERATION_CONCURRENCY: '16' };
      const decided = async () =>
        Number((await stack.db.query(`SELECT count(*) FROM decisions d JOIN comments c ON c.id = d.comment_id WHERE c.site_id = $1`, [site.id]))[0].count);

      const first = startProcess('worker', env);
      await waitFor('the first decisions', async () => (await decided()) > 0);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.output()).toContain('shutdown complete');

      // Nothing was cut off mid-job: no active or failed jobs, and every completed job has its decision.
      const counts = await queue.getJobCounts('active', 'failed', 'completed', 'waiting', 'prioritized');
      expect(counts.active).toBe(0);
      expect(counts.failed).toBe(0);
      expect(counts.completed).toBe(await decided());
      expect(counts.completed + counts.waiting + counts.prioritized).toBe(total);

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
