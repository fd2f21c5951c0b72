import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { verifyWebhook } from '#app/publishing';
import { ADMIN_TOKEN, commentPayload, createSite, type Stack, startStack, waitForDecision } from './support/stack.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** A site's model server: a real HTTP server whose answer each test sets. */
class ScorerServer {
  answer: { status: number; body: string; delayMs?: number } = { status: 200, body: '{"scores": {}}' };
  readonly requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body });
        const { status, body: answer, delayMs = 0 } = this.answer;
        setTimeout(() => {
          if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end(answer);
        }, delayMs);
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

describe('external scorers', () => {
  let stack: Stack;
  let scorer: ScorerServer;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    scorer = new ScorerServer();
    url = await scorer.start();
  });
  afterAll(async () => {
    await stack.close();
    await scorer.stop();
  });

  async function siteWithScorer(settings: Record<string, unknown>) {
    const site = await createSite(stack, 'Scored site');
    const configured = await request(stack.http).put(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).send({ url, ...settings }).expect(200);
    return { ...site, secret: configured.body.secret as string };
  }

  const decide = async (site: { apiKey: string }, body = 'A calm remark about the harbour plans.') => {
    const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload({ body, articleTitle: 'Harbour plans' })).expect(202);
    return waitForDecision(stack, site.apiKey, accepted.body.id);
  };

  it('sends a signed request with the comment, author, article and site; its action can reject', async () => {
    const site = await siteWithScorer({ timeoutMs: 2000 });
    expect(site.secret).toMatch(/^whsec_/);
    scorer.answer = { status: 200, body: JSON.stringify({ scores: { ring_score: 0.97 }, action: 'reject', reason: 'Known spam ring' }) };
    const before = scorer.requests.length;
    const decided = await decide(site);
    expect(decided).toMatchObject({ status: 'rejected', decision: { scores: { ring_score: 0.97 } } });
    expect(decided.decision.reasons[0]).toMatchObject({ code: 'external.reject', phase: 'external', message: 'Known spam ring' });

    const sent = scorer.requests[before];
    const headers = sent.headers as Record<string, string>;
    expect(verifyWebhook(site.secret, { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'] }, sent.body)).toBe(true);
    expect(JSON.parse(sent.body)).toMatchObject({
      site: { id: site.id },
      comment: { id: decided.id, body: 'A calm remark about the harbour plans.', revision: 1 },
      author: { name: 'A Reader' },
      article: { id: 'article-1', title: 'Harbour plans' },
    });
  });

  it("applies the site's thresholds to the scorer's scores by name", async () => {
    const site = await siteWithScorer({});
    await request(stack.http).put(`/v1/sites/${site.id}/policy`).set(bearer(site.apiKey)).send({ thresholds: { house_style: { hold: 0.5 } } }).expect(200);
    scorer.answer = { status: 200, body: JSON.stringify({ scores: { house_style: 0.8 } }) };
    const decided = await decide(site);
    expect(decided.status).toBe('held');
    expect(decided.decision.reasons.map((r: { message: string }) => r.message).join(' ')).toMatch(/house_style/);
    scorer.answer = { status: 200, body: JSON.stringify({ scores: { house_style: 0.1 }, action: 'approve' }) };
    expect((await decide(site)).status).toBe('approved');
  });

  it.each([
    ['a timeout', { status: 200, body: '{"scores":{}}', delayMs: 1500 }],
    ['a 500', { status: 500, body: 'boom' }],
    ['broken JSON', { status: 200, body: '{"scores": ' }],
    ['a score out of range', { status: 200, body: '{"scores": {"toxicity": 7}}' }],
  ])('after %s: fail-open judges without it, fail-closed holds', async (_case, answer) => {
    scorer.answer = answer;
    const open = await siteWithScorer({ timeoutMs: 300, failureMode: 'open' });
    const closed = await siteWithScorer({ timeoutMs: 300, failureMode: 'closed' });
    const [openDecided, closedDecided] = await Promise.all([decide(open), decide(closed)]);
    expect(openDecided.status).toBe('approved');
    expect(openDecided.decision.reasons).toEqual([expect.objectContaining({ code: 'external.unavailable' })]);
    expect(closedDecided.status).toBe('held');
    expect(closedDecided.decision.reasons[0]).toMatchObject({ code: 'external.unavailable', message: expect.stringMatching(/held, as the site asked/) });
  });

  it('validates the configuration and hides the secret afterwards', async () => {
    const site = await createSite(stack, 'Config site');
    const bad = await request(stack.http).put(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).send({ url: 'ftp://x', timeoutMs: 5, failureMode: 'maybe' }).expect(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['failureMode', 'timeoutMs']);
    const badUrl = await request(stack.http).put(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).send({ url: 'ftp://x' }).expect(400);
    expect(badUrl.body.details).toEqual([{ field: 'url', problem: 'must be an http or https URL' }]);
    await request(stack.http).put(`/v1/sites/${site.id}/external-scorer`).set(bearer(ADMIN_TOKEN)).send({ url }).expect(200);
    const again = await request(stack.http).put(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).send({ url, timeoutMs: 500 }).expect(200);
    expect(again.body).not.toHaveProperty('secret');
    expect((await request(stack.http).get(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).expect(200)).body).toMatchObject({ timeoutMs: 500, failureMode: 'open' });
    await request(stack.http).delete(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).expect(204);
    await request(stack.http).get(`/v1/sites/${site.id}/external-scorer`).set(bearer(site.apiKey)).expect(404);
  });
});
