import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import pg from 'pg';
import request from 'supertest';
import type { Job } from 'bullmq';
import { JOBS, type ModerateJob, QUEUES, redisOptions } from '#app/queue';
import { learningLabels } from '#app/site-policy';
import { LearningService } from '../apps/worker/src/learning/learning.service.js';
import { PublicationProcessor } from '../apps/worker/src/publication/publication.processor.js';
import { waitFor } from './support/processes.js';
import { commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/**
 * A site's model server or webhook receiver that runs `meanwhile` with the request body before it
 * answers: the worker calls it between reading and writing, so whatever `meanwhile` does lands
 * exactly in that window.
 */
class PausingServer {
  meanwhile: (body: any) => Promise<unknown> = async () => undefined;
  answer = { status: 200, body: '{"scores": {}}' };
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', async () => {
        await this.meanwhile(JSON.parse(body)).catch(() => undefined);
        res.writeHead(this.answer.status, { 'content-type': 'application/json' }).end(this.answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

describe('the worker racing people and other workers', () => {
  let stack: Stack;
  let moderation: Queue<ModerateJob>;
  beforeAll(async () => {
    // The relay and learning rounds stay out of the way: the tests below run the steps they race.
    stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE: 'true', OUTBOX_POLL_MS: '60000' } });
    moderation = new Queue(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
  });
  afterAll(async () => {
    await moderation.close();
    await stack.close();
  });

  describe('a person deciding a comment between the engine loading it and recording its verdict', () => {
    let scorer: PausingServer;
    let scorerUrl: string;
    beforeAll(async () => {
      scorer = new PausingServer();
      scorerUrl = await scorer.start();
    });
    afterAll(() => scorer.stop());

    const people = {
      'a moderator approving it': (site: { apiKey: string }, commentId: string) =>
        request(stack.http).post(`/v1/moderation/comments/${commentId}/decision`).set(bearer(site.apiKey)).send({ action: 'approve' }).expect(200),
      'a ban rejecting the waiting comments of its author': async (site: { apiKey: string }, commentId: string) => {
        const [{ author_id: authorId }] = await stack.db.query(`SELECT author_id FROM comments WHERE id = $1`, [commentId]);
        await request(stack.http)
          .post(`/v1/moderation/authors/${authorId}/standing`)
          .set(bearer(site.apiKey))
          .send({ standing: 'banned', reason: 'Spam run', rejectHeld: true })
          .expect(200);
      },
    };

    it.each(Object.keys(people) as (keyof typeof people)[])('keeps the decision of %s: the engine adds none', async (person) => {
      const site = await createSite(stack, 'Raced site');
      await request(stack.http).put(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).send({ url: scorerUrl, timeoutMs: 10_000 }).expect(200);
      scorer.meanwhile = (body) => people[person](site, body.comment.id);
      const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload()).expect(202);
      const commentId: string = accepted.body.id;

      await waitFor('the job to complete', async () => (await moderation.getJobState(commentId)) === 'completed');
      expect((await moderation.getJob(commentId))!.returnvalue).toEqual({ decided: 0, alreadyDecided: 1, gone: 0 });
      const decisions = await stack.db.query(`SELECT decided_by, kind FROM decisions WHERE comment_id = $1 ORDER BY id`, [commentId]);
      expect(decisions).toEqual([{ decided_by: 'moderator', kind: 'review' }]);
      const [comment] = await stack.db.query(`SELECT status FROM comments WHERE id = $1`, [commentId]);
      expect(comment.status).toBe(person === 'a moderator approving it' ? 'approved' : 'rejected');
    });
  });

  it('queues a new comment stored with the retry of one whose group is still queued', async () => {
    // A second API process: it has not seen the first one queue X, so it queues X again with Z.
    const other = await startStack({ worker: false, queuePrefix: stack.queuePrefix });
    const site = await createSite(stack, 'Retrying site');
    const [x, y, z] = [commentPayload(), commentPayload(), commentPayload()];
    await moderation.pause();
    try {
      const first = await request(stack.http).post('/v1/comments/batch').set(bearer(site.apiKey)).send({ comments: [x, y] }).expect(200);
      const second = await request(other.http).post('/v1/comments/batch').set(bearer(site.apiKey)).send({ comments: [x, z] }).expect(200);
      const [xId, zId] = [first.body.results[0].id, second.body.results[1].id];
      expect(second.body.results[0].id).toBe(xId);
      const queued = (await moderation.getJobs(['waiting'])).flatMap((job) => job.data.checks.map((c) => c.commentId));
      expect(queued.filter((id) => id === xId)).toHaveLength(2);
      expect(queued).toContain(zId);
    } finally {
      await moderation.resume();
      await other.close();
    }
  });

  describe('holding a lock', () => {
    let holder: pg.Client;
    let holderPid: number;
    beforeEach(async () => {
      holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await holder.connect();
      holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    });
    afterEach(() => holder.end());

    /** Sessions waiting, directly or through others, for the holder's locks. */
    const waitingOnHolder = async (): Promise<number> => {
      const [{ count }] = await stack.db.query(
        `WITH RECURSIVE blocked AS (
           SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))
           UNION SELECT a.pid FROM pg_stat_activity a JOIN blocked b ON b.pid = ANY(pg_blocking_pids(a.pid)))
         SELECT count(*)::int FROM blocked`,
        [holderPid],
      );
      return count;
    };

    it('learns every example of two rounds that overlap on a site with no adaptation yet', async () => {
      const site = await createSite(stack, 'First lessons');
      const commentIds: string[] = [];
      for (let i = 0; i < 2; i++) {
        const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload()).expect(202);
        await waitForDecision(stack, site.apiKey, accepted.body.id);
        commentIds.push(accepted.body.id);
      }
      const teach = (commentId: string) =>
        stack.db.query(`INSERT INTO learning_examples (site_id, comment_id, comment_revision, labels) VALUES ($1, $2, 1, $3)`, [
          site.id,
          commentId,
          JSON.stringify(learningLabels('reject', 'insult')),
        ]);
      const learning = stack.worker!.get(LearningService);

      // The holder keeps the site from being written; each round takes its example, then waits for
      // it (however far it got), so the second round starts while the first is in flight. Another
      // worker's round may take an example instead of ours: it waits all the same.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM sites WHERE id = $1 FOR NO KEY UPDATE', [site.id]);
      const rounds: Promise<unknown>[] = [];
      for (const [i, commentId] of commentIds.entries()) {
        await teach(commentId);
        rounds.push(learning.learn().catch((error: Error) => error));
        await waitFor(`round ${i + 1} to wait`, async () => (await waitingOnHolder()) > i);
      }
      await holder.query('COMMIT');
      for (const outcome of await Promise.all(rounds)) expect(outcome).not.toBeInstanceOf(Error);

      const adaptations = await waitFor('both examples learnt', async () => {
        const rows: { model: string; state: string; examples: number }[] = await stack.db.query(
          `SELECT model, state, examples FROM site_model_adaptations WHERE site_id = $1`,
          [site.id],
        );
        return rows.length > 0 && rows.every((row) => row.examples === 2) && rows;
      });
      for (const { model, state } of adaptations) expect({ model, updates: JSON.parse(state).updates }).toEqual({ model, updates: 2 });
    });
  });

  describe('delivering a webhook', () => {
    let receiver: PausingServer;
    let url: string;
    let site: { id: string; apiKey: string };
    beforeAll(async () => {
      receiver = new PausingServer();
      url = await receiver.start();
      site = await createSite(stack, 'Delivering site');
      await request(stack.http).put(`/v1/sites/${site.id}/webhook`).set(bearer(site.apiKey)).send({ url, events: ['thread.updated', 'comment.approved'] }).expect(200);
    });
    afterAll(() => receiver.stop());

    /** A job as the publication processor sees it, run by the test instead of a BullMQ worker. */
    const run = (job: Partial<Job>) =>
      stack.worker!.get(PublicationProcessor).process({ attemptsMade: 0, timestamp: Date.now(), updateData: async () => undefined, ...job } as Job);

    it.each([
      ['delivered', 'its last attempt', 1],
      ['superseded', 'an attempt with retries left', 5],
    ])('leaves a delivery %s by another run meanwhile as it is when %s fails', async (settled, _attempt, attempts) => {
      const [{ id }] = await stack.db.query(
        `INSERT INTO webhook_deliveries (site_id, event_type, url, payload, status) SELECT site_id, 'comment.approved', url, '{}', 'pending' FROM site_webhooks WHERE site_id = $1 RETURNING id`,
        [site.id],
      );
      receiver.answer = { status: 500, body: '{}' };
      receiver.meanwhile = () => stack.db.query(`UPDATE webhook_deliveries SET status = $2 WHERE id = $1`, [id, settled]);

      expect(await run({ name: JOBS.deliver.name, data: { deliveryId: id }, opts: { attempts } })).toBe('already-done');
      const [delivery] = await stack.db.query(`SELECT status, (SELECT count(*)::int FROM webhook_attempts WHERE delivery_id = d.id) AS attempts FROM webhook_deliveries d WHERE id = $1`, [id]);
      expect(delivery).toEqual({ status: settled, attempts: 1 });
    });

    it('stores one thread delivery per job, also when a run died before noting it on the job', async () => {
      // The comment is approved before its site has a webhook, so it leaves no outbox rows: no
      // relay (of any suite sharing the database) delivers this article; only the runs below do.
      const quiet = await createSite(stack, 'Site without outbox rows');
      const accepted = await request(stack.http).post('/v1/comments').set(bearer(quiet.apiKey)).send(commentPayload({ articleId: unique('article') })).expect(202);
      expect((await waitForDecision(stack, quiet.apiKey, accepted.body.id)).status).toBe('approved');
      await request(stack.http).put(`/v1/sites/${quiet.id}/webhook`).set(bearer(quiet.apiKey)).send({ url, events: ['thread.updated'] }).expect(200);
      const [{ article_id: articleId }] = await stack.db.query(`SELECT article_id FROM comments WHERE id = $1`, [accepted.body.id]);
      receiver.answer = { status: 200, body: '{}' };
      receiver.meanwhile = async () => undefined;
      const job = { id: `thread.${articleId}.1`, timestamp: Date.now(), name: JOBS.publishThread.name, data: { siteId: quiet.id, articleId }, opts: { attempts: 5 } };

      const died = new Error('the worker died before noting the delivery');
      await expect(run({ ...job, updateData: () => Promise.reject(died) })).rejects.toBe(died);
      const noted: unknown[] = [];
      expect(await run({ ...job, updateData: async (data) => void noted.push(data) })).toBe('delivered');
      const deliveries = await stack.db.query(`SELECT id FROM webhook_deliveries WHERE article_id = $1`, [articleId]);
      expect(deliveries).toHaveLength(1);
      expect(noted).toEqual([{ siteId: quiet.id, articleId, deliveryId: deliveries[0].id }]);
    });
  });
});
