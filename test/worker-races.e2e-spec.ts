import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import request from 'supertest';
import { type ModerateJob, QUEUES, redisOptions } from '#app/queue';
import { waitFor } from './support/processes.js';
import { commentPayload, createSite, type Stack, startStack } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/**
 * A site's model server that runs `meanwhile` with the comment id before it answers: the worker
 * asks it between loading a group and recording its verdicts, so whatever `meanwhile` does lands
 * exactly in that window.
 */
class PausingScorer {
  meanwhile: (commentId: string) => Promise<unknown> = async () => undefined;
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', async () => {
        await this.meanwhile(JSON.parse(body).comment.id).catch(() => undefined);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"scores": {}}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/score`;
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
    let scorer: PausingScorer;
    let scorerUrl: string;
    beforeAll(async () => {
      scorer = new PausingScorer();
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
      scorer.meanwhile = (commentId) => people[person](site, commentId);
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
});
