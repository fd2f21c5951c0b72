import { createHmac, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import request from 'supertest';
import { verifyWebhook } from '#app/publishing';
import { type ModerateJob, QUEUES, redisOptions } from '#app/queue';
import { waitFor } from './support/processes.js';
import { WebhookReceiver } from './support/receiver.js';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const FAST_DELIVERY = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  THREAD_COALESCE_MS: '300',
  OUTBOX_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_RETRY_FOR_SECONDS: '2',
};

describe('publishing approved threads', () => {
  let stack: Stack;
  let receiver: WebhookReceiver;
  let receiverUrl: string;
  let site: { id: string; apiKey: string };
  let secret: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, FAST_DELIVERY);
    stack = await startStack();
    receiver = new WebhookReceiver();
    receiverUrl = await receiver.start();
    site = await createSite(stack, 'Publishing site');
    const webhook = await request(stack.http)
      .put(`/v1/sites/${site.id}/webhook`)
      .set(bearer(site.apiKey))
      .send({ url: receiverUrl, events: ['thread.updated', 'comment.approved', 'comment.held'] })
      .expect(200);
    secret = webhook.body.secret;
    expect(secret).toMatch(/^whsec_/);
  });
  afterAll(async () => {
    await stack.close();
    await receiver.stop();
    process.env = saved;
  });

  const post = (overrides: Record<string, unknown>) =>
    request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload(overrides)).expect((r) => { if (r.status !== 202) throw new Error(`${r.status} ${JSON.stringify(r.body)}`); });

  it('delivers the approved thread as a signed, versioned tree', async () => {
    const article = unique('article');
    const parent = await post({ articleId: article, articleTitle: 'Bridge approved', externalId: unique('p'), body: 'The bridge is good news for the east side.' });
    await waitForDecision(stack, site.apiKey, parent.body.id);
    const reply = await post({ articleId: article, articleTitle: 'Bridge approved', parentId: (await request(stack.http).get(`/v1/comments/${parent.body.id}`).set(bearer(site.apiKey))).body.externalId, body: 'Agreed, the ferry was always full.' });
    await waitForDecision(stack, site.apiKey, reply.body.id);

    const delivered = await waitFor('the thread with both comments', async () => {
      const latest = receiver.latestThread(article);
      return latest && JSON.stringify(latest.body).includes('ferry') ? latest : undefined;
    });
    // Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body)), key = base64 part of whsec_.
    const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signatureHeader } = delivered.headers as Record<string, string>;
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${delivered.rawBody}`).digest('base64');
    expect(signatureHeader).toBe(`v1,${expected}`);
    expect(verifyWebhook(secret, { id, timestamp, signature: signatureHeader }, delivered.rawBody)).toBe(true);
    expect(verifyWebhook(secret, { id, timestamp, signature: signatureHeader }, delivered.rawBody.replace('ferry', 'fairy'))).toBe(false);

    expect(delivered.body).toMatchObject({
      type: 'thread.updated',
      data: {
        siteId: site.id,
        article: { id: article, title: 'Bridge approved' },
        threadVersion: expect.any(Number),
        comments: [{ id: parent.body.id, parentId: null, body: 'The bridge is good news for the east side.', children: [{ id: reply.body.id, body: 'Agreed, the ferry was always full.', children: [] }] }],
      },
    });
    // Per-comment events the site subscribed to.
    await waitFor('the comment.approved event', async () =>
      receiver.received.some((r) => r.body.type === 'comment.approved' && (r.body.data.comment as { id: string }).id === reply.body.id) || undefined,
    );
  });

  it('decides a group of comments in one job: each its own decision, status and announcements', async () => {
    const mixed = await createSite(stack, 'Mixed group site');
    await request(stack.http)
      .put(`/v1/sites/${mixed.id}/webhook`)
      .set(bearer(mixed.apiKey))
      .send({ url: receiverUrl, events: ['thread.updated', 'comment.approved', 'comment.held', 'comment.rejected'] })
      .expect(200);
    const [open, quiet] = [unique('group-open'), unique('group-quiet')];
    const sent = [
      { articleId: open, body: 'The new library hours suit early risers.', status: 'approved', event: 'comment.approved' },
      { articleId: open, body: 'Good to see the park cleaned up at last.', status: 'approved', event: 'comment.approved' },
      { articleId: open, body: 'You are an idiot and a liar.', status: 'held', event: 'comment.held' },
      { articleId: quiet, body: 'Shut up, you fucking idiot.', status: 'held', event: 'comment.held' },
      { articleId: quiet, body: 'I will kill you, you worthless idiot.', status: 'rejected', event: 'comment.rejected' },
    ];
    const stored = await request(stack.http)
      .post('/v1/comments/batch')
      .set(bearer(mixed.apiKey))
      .send({ comments: sent.map(({ articleId, body }) => commentPayload({ articleId, body })) })
      .expect(200);
    const ids: string[] = stored.body.results.map((r: { id: string }) => r.id);
    const decided = [];
    for (const id of ids) decided.push(await waitForDecision(stack, mixed.apiKey, id));
    expect(decided.map((c) => c.status)).toEqual(sent.map((c) => c.status));

    // One job checked them all, and says so.
    const queue = new Queue<ModerateJob>(QUEUES.moderation, { connection: redisOptions(process.env.REDIS_URL!, 'consumer'), prefix: stack.queuePrefix });
    try {
      const job = (await queue.getJobs(['completed'])).find((j) => j.data.checks.some((check) => check.commentId === ids[0]))!;
      expect(job.data.checks.map((check) => check.commentId)).toEqual(ids);
      expect(job.returnvalue).toEqual({ decided: 5, alreadyDecided: 0, gone: 0 });
    } finally {
      await queue.close();
    }
    const decisions = await stack.db.query(`SELECT comment_id, action FROM decisions WHERE comment_id = ANY($1::uuid[]) AND kind = 'check'`, [ids]);
    expect(decisions).toHaveLength(5);

    // Each comment's event, with the comment as decided and the reasons of its decision.
    const events: { event_type: string; payload: { data: { comment: Record<string, unknown> } } }[] = await waitFor('the five comment events', async () => {
      const rows = await stack.db.query(`SELECT event_type, payload FROM webhook_deliveries WHERE site_id = $1 AND event_type <> 'thread.updated'`, [mixed.id]);
      return rows.length >= 5 ? rows : undefined;
    });
    expect(events).toHaveLength(5);
    for (const [i, comment] of decided.entries()) {
      const own = events.filter((e) => e.payload.data.comment.id === comment.id);
      expect(own.map((e) => e.event_type)).toEqual([sent[i].event]);
      expect(own[0].payload.data.comment).toMatchObject({ status: sent[i].status, revision: 1, articleId: sent[i].articleId, reasons: comment.decision.reasons });
      await waitFor(`the ${sent[i].event} event delivered`, async () => receiver.received.some((r) => r.body.type === sent[i].event && (r.body.data.comment as { id: string }).id === comment.id) || undefined);
    }
    expect(decided[4].decision.reasons.length).toBeGreaterThan(0);

    // The thread with the approvals changed by one version each; the one with none did not change.
    const thread = await waitFor('the thread with both approvals', async () => receiver.latestThread(open));
    expect(thread.body.data.threadVersion).toBe(2);
    expect(thread.body.data.comments!.map((c) => (c as { id: string }).id).sort()).toEqual([ids[0], ids[1]].sort());
    const versions = await stack.db.query(`SELECT external_id, thread_version::int AS version FROM articles WHERE site_id = $1 ORDER BY version DESC`, [mixed.id]);
    expect(versions).toEqual([{ external_id: open, version: 2 }, { external_id: quiet, version: 0 }]);
    const [{ threads }] = await stack.db.query(
      `SELECT count(*)::int AS threads FROM webhook_deliveries d JOIN articles a ON a.id = d.article_id WHERE a.external_id = $1 AND d.event_type = 'thread.updated'`,
      [quiet],
    );
    expect(threads).toBe(0);
    expect(receiver.threads(quiet)).toEqual([]);
  });

  it('takes a published comment down when the check holds its edit, and says so', async () => {
    const article = unique('edited');
    const created = await post({ articleId: article, body: 'The tram extension is a sensible plan.' });
    const id = created.body.id;
    await waitForDecision(stack, site.apiKey, id);
    await waitFor('the comment published', async () => receiver.latestThread(article)?.body.data.comments!.length === 1 || undefined);
    await request(stack.http).patch(`/v1/comments/${id}`).set(bearer(site.apiKey)).send({ body: 'You are an idiot and a liar.' }).expect(200);
    const held = await waitForDecision(stack, site.apiKey, id);
    expect(held).toMatchObject({ status: 'held', revision: 2 });
    const [row] = await stack.db.query(`SELECT c.published_revision, a.thread_version::int AS version FROM comments c JOIN articles a ON a.id = c.article_id WHERE c.id = $1`, [id]);
    expect(row).toEqual({ published_revision: null, version: 2 });
    await waitFor('the takedown published', async () => {
      const latest = receiver.latestThread(article)!;
      return (latest.body.data.threadVersion === 2 && latest.body.data.comments!.length === 0) || undefined;
    });
    const event = await waitFor('the comment.held event', async () =>
      receiver.received.find((r) => r.body.type === 'comment.held' && (r.body.data.comment as { id: string }).id === id),
    );
    expect(event.body.data.comment).toMatchObject({ status: 'held', revision: 2, reasons: held.decision.reasons });
  });

  it('coalesces a burst of 50 changes to one article into far fewer deliveries, ending at the last state', async () => {
    const article = unique('burst');
    const bodies = Array.from({ length: 50 }, (_, i) => `Point ${i}: the timetable needs another look.`);
    const response = await request(stack.http)
      .post('/v1/comments/batch')
      .set(bearer(site.apiKey))
      .send({ comments: bodies.map((body) => commentPayload({ articleId: article, body })) })
      .expect(200);
    expect(response.body.accepted).toBe(50);
    const final = await waitFor('all 50 comments in the delivered thread', async () => {
      const latest = receiver.latestThread(article);
      return latest && latest.body.data.comments!.length === 50 ? latest : undefined;
    }, 30_000);
    const [{ thread_version: version }] = await stack.db.query(`SELECT thread_version FROM articles WHERE site_id = $1 AND external_id = $2`, [site.id, article]);
    await new Promise((r) => setTimeout(r, 800)); // let any straggler arrive
    expect(final.body.data.threadVersion).toBe(Number(version));
    expect(Number(version)).toBe(50);
    expect(receiver.threads(article).length).toBeLessThan(10);
  });

  it('keeps retrying while the receiver fails, then brings every article to its latest version', async () => {
    receiver.status = 500;
    const articles = [unique('outage'), unique('outage'), unique('outage')];
    const ids: string[] = [];
    for (const article of articles) {
      for (let i = 0; i < 3; i++) ids.push((await post({ articleId: article, body: `Update ${i} on the works at ${article}.` })).body.id);
    }
    for (const id of ids) await waitForDecision(stack, site.apiKey, id);
    await waitFor('failed attempts', async () => {
      const [{ failed }] = await stack.db.query(`SELECT count(*)::int AS failed FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.site_id = $1 AND a.status_code = 500`, [site.id]);
      return failed >= 6;
    });
    receiver.status = 200;
    for (const article of articles) {
      await waitFor(`${article} at its latest version`, async () => {
        const [{ thread_version: version }] = await stack.db.query(`SELECT thread_version FROM articles WHERE site_id = $1 AND external_id = $2`, [site.id, article]);
        return receiver.latestThread(article)?.body.data.threadVersion === Number(version) && receiver.latestThread(article)!.body.data.comments!.length === 3;
      }, 30_000);
    }
    const deliveries = await request(stack.http).get(`/v1/sites/${site.id}/deliveries`).query({ articleId: articles[0] }).set(bearer(site.apiKey)).expect(200);
    const withAttempts = await request(stack.http).get(`/v1/sites/${site.id}/deliveries/${deliveries.body.items.at(-1).id}`).set(bearer(site.apiKey)).expect(200);
    expect(withAttempts.body.attempts[0]).toMatchObject({ statusCode: 500, latencyMs: expect.any(Number) });
  });

  it('dead-letters after the retry period, and replays dead deliveries on request', async () => {
    receiver.status = 503;
    const article = unique('dead');
    const created = await post({ articleId: article, body: 'This one meets a long outage.' });
    await waitForDecision(stack, site.apiKey, created.body.id);
    const dead = await waitFor('a dead-lettered delivery', async () => {
      const page = await request(stack.http).get(`/v1/sites/${site.id}/deliveries`).query({ articleId: article, status: 'dead' }).set(bearer(site.apiKey));
      return page.body.items.find((d: { eventType: string }) => d.eventType === 'thread.updated');
    }, 30_000);
    expect(dead.attempts).toBeGreaterThan(3);
    receiver.status = 200;
    const replayed = await request(stack.http).post(`/v1/sites/${site.id}/deliveries/replay-dead`).set(bearer(site.apiKey)).expect(200);
    expect(replayed.body.replayed).toBeGreaterThanOrEqual(1);
    await waitFor('the replayed thread', async () => receiver.latestThread(article));
    const after = await request(stack.http).get(`/v1/sites/${site.id}/deliveries/${dead.id}`).set(bearer(site.apiKey)).expect(200);
    expect(after.body.status).toBe('delivered');

    // Replaying one delivery sends the same message again: same id, so a receiver can tell.
    const before = receiver.received.length;
    await request(stack.http).post(`/v1/sites/${site.id}/deliveries/${dead.id}/replay`).set(bearer(site.apiKey)).expect(200);
    const again = await waitFor('the replay', async () => receiver.received.slice(before).find((r) => r.body.data.article?.id === article));
    expect(again.headers['webhook-id']).toBe(`msg_${dead.id}`);
  });

  it("answers 404 for the webhook and deliveries of a site that does not exist", async () => {
    const nowhere = randomUUID();
    for (const [method, path] of [['get', 'webhook'], ['get', 'deliveries'], ['post', 'deliveries/replay-dead']] as const) {
      const answer = await request(stack.http)[method](`/v1/sites/${nowhere}/${path}`).set(bearer(ADMIN_TOKEN));
      expect({ path, status: answer.status, error: answer.body.error }).toEqual({ path, status: 404, error: 'not_found' });
    }
  });

  it('lets a receiver detect a stale version arriving late', async () => {
    const article = unique('stale');
    const first = await post({ articleId: article, body: 'First thoughts on the budget.' });
    await waitForDecision(stack, site.apiKey, first.body.id);
    const v1 = await waitFor('version 1', async () => receiver.latestThread(article));
    const second = await post({ articleId: article, body: 'Second thoughts on the budget.' });
    await waitForDecision(stack, site.apiKey, second.body.id);
    await waitFor('version 2', async () => (receiver.latestThread(article)!.body.data.threadVersion! > v1.body.data.threadVersion! ? true : undefined));
    // The old delivery replayed now arrives after the newer one: its version is lower.
    const [old] = await stack.db.query(`SELECT id FROM webhook_deliveries WHERE thread_version = $1 AND article_id = (SELECT id FROM articles WHERE site_id = $2 AND external_id = $3)`, [v1.body.data.threadVersion, site.id, article]);
    const before = receiver.received.length;
    await request(stack.http).post(`/v1/sites/${site.id}/deliveries/${old.id}/replay`).set(bearer(site.apiKey)).expect(200);
    const late = await waitFor('the late delivery', async () => receiver.received.slice(before).find((r) => r.body.data.article?.id === article));
    expect(late.body.data.threadVersion).toBeLessThan(receiver.latestThread(article)!.body.data.threadVersion!);
  });

  it('removes withdrawn, rejected and report-held comments from the thread', async () => {
    const article = unique('removal');
    const keep = await post({ articleId: article, body: 'This stays.' });
    const withdrawn = await post({ articleId: article, body: 'This will be withdrawn.' });
    for (const c of [keep, withdrawn]) await waitForDecision(stack, site.apiKey, c.body.id);
    await waitFor('both published', async () => receiver.latestThread(article)?.body.data.comments!.length === 2 || undefined);
    await request(stack.http).delete(`/v1/comments/${withdrawn.body.id}`).set(bearer(site.apiKey)).expect(200);
    const after = await waitFor('the withdrawal published', async () => {
      const latest = receiver.latestThread(article)!;
      return latest.body.data.comments!.length === 1 ? latest : undefined;
    });
    expect(after.body.data.comments![0]).toMatchObject({ id: keep.body.id });
    // A moderator's rejection of a published comment takes it down too.
    await request(stack.http).post(`/v1/moderation/comments/${keep.body.id}/decision`).set(bearer(site.apiKey)).send({ action: 'reject', reasonCode: 'other' }).expect(200);
    await waitFor('the rejection published', async () => receiver.latestThread(article)!.body.data.comments!.length === 0 || undefined);
  });

  it('serves the same thread to pull, with an ETag and 304', async () => {
    const article = unique('pull');
    const created = await post({ articleId: article, body: 'Pull me.' });
    await waitForDecision(stack, site.apiKey, created.body.id);
    const first = await request(stack.http).get(`/v1/articles/${article}/thread`).set(bearer(site.apiKey)).expect(200);
    expect(first.body).toMatchObject({ article: { id: article }, comments: [{ id: created.body.id, body: 'Pull me.' }] });
    const etag = first.headers.etag;
    expect(etag).toMatch(/^".+\.\d+"$/);
    await request(stack.http).get(`/v1/articles/${article}/thread`).set(bearer(site.apiKey)).set('If-None-Match', etag).expect(304);
    await post({ articleId: article, body: 'A change.' });
    await waitFor('a new ETag', async () => {
      const next = await request(stack.http).get(`/v1/articles/${article}/thread`).set(bearer(site.apiKey)).set('If-None-Match', etag);
      return next.status === 200 ? true : undefined;
    });
    await request(stack.http).get(`/v1/articles/nope/thread`).set(bearer(site.apiKey)).expect(404);
  });

  it('signs with both secrets during a rotation overlap', async () => {
    const rotated = await request(stack.http).post(`/v1/sites/${site.id}/webhook/rotate-secret`).set(bearer(site.apiKey)).send({ overlapSeconds: 60 }).expect(200);
    expect(rotated.body.secret).not.toBe(secret);
    const article = unique('rotation');
    const created = await post({ articleId: article, body: 'Signed twice.' });
    await waitForDecision(stack, site.apiKey, created.body.id);
    const delivered = await waitFor('a delivery after rotation', async () => receiver.latestThread(article));
    const headers = delivered.headers as Record<string, string>;
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const key of [secret, rotated.body.secret]) {
      expect(verifyWebhook(key, { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] }, delivered.rawBody)).toBe(true);
    }
    secret = rotated.body.secret;
  });

  it('never loses a publication committed while no worker runs (the outbox)', async () => {
    const apiOnly = await startStack({ worker: false, queuePrefix: stack.queuePrefix });
    try {
      await stack.worker!.close();
      const article = unique('outbox');
      const created = await request(apiOnly.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload({ articleId: article, body: 'Approved while the worker is down.' })).expect(202);
      // A moderator approves it with no worker running: the decision and its outbox row commit together.
      await request(apiOnly.http).post(`/v1/moderation/comments/${created.body.id}/decision`).set(bearer(site.apiKey)).send({ action: 'approve' }).expect(200);
      const [{ waiting }] = await stack.db.query(`SELECT count(*)::int AS waiting FROM outbox WHERE comment_id = $1`, [created.body.id]);
      expect(waiting).toBeGreaterThan(0);
      const restarted = await startStack({ queuePrefix: stack.queuePrefix });
      try {
        await waitFor('the thread delivered once a worker runs', async () => receiver.latestThread(article));
      } finally {
        await restarted.close();
      }
    } finally {
      await apiOnly.close();
    }
  });
});

describe('webhook URL safety', () => {
  let stack: Stack;
  const saved = { ...process.env };
  beforeAll(async () => {
    process.env.WEBHOOK_ALLOW_PRIVATE = 'false';
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack.close();
    process.env = saved;
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'resolves to 127.0.0.1, a private, loopback or link-local address'],
    ['http://169.254.169.254/latest/meta-data', 'resolves to 169.254.169.254, a private, loopback or link-local address'],
    ['http://10.1.2.3/hook', 'resolves to 10.1.2.3, a private, loopback or link-local address'],
    ['http://[::1]/hook', 'resolves to ::1, a private, loopback or link-local address'],
    ['http://localhost/hook', 'resolves to'],
    ['ftp://news.example/hook', 'must be an http or https URL'],
    ['https://user:pw@news.example/hook', 'must not carry credentials'],
    ['not a url', 'is not a URL'],
  ])('refuses %s', async (url, problem) => {
    const site = await createSite(stack, 'SSRF site');
    const response = await request(stack.http).put(`/v1/sites/${site.id}/webhook`).set(bearer(ADMIN_TOKEN)).send({ url, events: ['thread.updated'] }).expect(400);
    expect(response.body.details[0]).toMatchObject({ field: 'url', problem: expect.stringContaining(problem) });
  });
});
