import request from 'supertest';
import { commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';
import { waitFor } from './support/processes.js';

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Texts the moderators of the learning site reject as insults, and held-out ones of the same kind. */
const TRAINING = [
  'You are such a plonker, honestly.',
  'Absolute plonker behaviour from the council again.',
  'Only a plonker would vote for this scheme.',
  'Stop being a plonker and read the report.',
  'What a plonker you are for defending them.',
  'The plonker in the first comment has no idea.',
  'Typical plonker logic, as usual.',
  'Another plonker take on the tram line.',
  'This writer is a total plonker.',
  'Plonker. Just plonker.',
];
const HELD_OUT = ['Only a plonker believes the mayor', 'What a plonker argument that is', 'Mayor is a plonker'];

describe('learning from moderators', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { OUTBOX_POLL_MS: '50' } });
  });
  afterAll(() => stack.close());

  /** The toxicity score the site's models give a text now (the policy test endpoint runs the same engine). */
  async function toxicity(site: { id: string; apiKey: string }, body: string): Promise<number> {
    const verdict = await request(stack.http).post(`/v1/sites/${site.id}/policy/test`).set(bearer(site.apiKey)).send({ body }).expect(200);
    return verdict.body.scores.toxicity;
  }

  async function rejectAsInsults(site: { id: string; apiKey: string }, texts: string[]) {
    for (const body of texts) {
      const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload({ body, author: { id: unique('a'), name: 'A' } })).expect(202);
      await waitForDecision(stack, site.apiKey, accepted.body.id);
      await request(stack.http).post(`/v1/moderation/comments/${accepted.body.id}/decision`).set(bearer(site.apiKey)).send({ action: 'reject', reasonCode: 'insult' }).expect(200);
    }
  }

  it("moves the deciding site's scores the right way on held-out texts, and no other site's", async () => {
    const learning = await createSite(stack, 'Learning site');
    const other = await createSite(stack, 'Other site');
    const optedOut = await createSite(stack, 'Opted-out site');
    await request(stack.http).patch(`/v1/admin/sites/${optedOut.id}`).set(bearer(optedOut.apiKey)).send({ learnFromModerators: false }).expect(200);

    const before = await Promise.all(HELD_OUT.map((t) => toxicity(learning, t)));
    const otherBefore = await Promise.all(HELD_OUT.map((t) => toxicity(other, t)));
    const optedOutBefore = await Promise.all(HELD_OUT.map((t) => toxicity(optedOut, t)));

    await rejectAsInsults(learning, TRAINING);
    await rejectAsInsults(optedOut, TRAINING);
    await waitFor('the adaptation to learn all ten', async () => {
      const [row] = await stack.db.query(`SELECT examples FROM site_model_adaptations WHERE site_id = $1 AND model LIKE 'toxicity-%'`, [learning.id]);
      return row?.examples === TRAINING.length;
    });

    const after = await Promise.all(HELD_OUT.map((t) => toxicity(learning, t)));
    after.forEach((score, i) => expect(score).toBeGreaterThan(before[i] + 0.05));
    expect(await Promise.all(HELD_OUT.map((t) => toxicity(other, t)))).toEqual(otherBefore);
    expect(await Promise.all(HELD_OUT.map((t) => toxicity(optedOut, t)))).toEqual(optedOutBefore);
    const [{ count }] = await stack.db.query(`SELECT count(*)::int FROM site_model_adaptations WHERE site_id = $1`, [optedOut.id]);
    expect(count).toBe(0);

    // Approvals pull the other way: benign texts a moderator approves score lower afterwards.
    const benign = 'The plonker jokes in this thread are getting old, but fine.';
    const benignBefore = await toxicity(learning, benign);
    for (let i = 0; i < 6; i++) {
      const accepted = await request(stack.http).post('/v1/comments').set(bearer(learning.apiKey)).send(commentPayload({ body: `${benign} (${i})` })).expect(202);
      await waitForDecision(stack, learning.apiKey, accepted.body.id);
      // Only people's decisions teach the models, whatever the engine decided first.
      await request(stack.http).post(`/v1/moderation/comments/${accepted.body.id}/decision`).set(bearer(learning.apiKey)).send({ action: 'approve' }).expect(200);
    }
    await waitFor('the approvals learned', async () => {
      const [row] = await stack.db.query(`SELECT examples FROM site_model_adaptations WHERE site_id = $1 AND model LIKE 'toxicity-%'`, [learning.id]);
      return row?.examples === TRAINING.length + 6;
    });
    expect(await toxicity(learning, benign)).toBeLessThan(benignBefore);
  });

  it('puts model scores in every decision, with the words that pushed them past a threshold', async () => {
    const site = await createSite(stack, 'Scores site');
    await request(stack.http).put(`/v1/sites/${site.id}/policy`).set(bearer(site.apiKey)).send({ thresholds: { toxicity: { hold: 0.5 } } }).expect(200);
    const body = 'this is a damn disgrace and the people behind it are a bunch of clowns';
    const accepted = await request(stack.http).post('/v1/comments').set(bearer(site.apiKey)).send(commentPayload({ body })).expect(202);
    const decided = await waitForDecision(stack, site.apiKey, accepted.body.id);
    expect(decided.decision.scores).toMatchObject({ toxicity: expect.any(Number), insult: expect.any(Number), identity_attack: expect.any(Number), profanity: expect.any(Number), spam: expect.any(Number) });
    expect(decided.status).toBe('held');
    const reason = decided.decision.reasons.find((r: { code: string; ref?: string }) => r.code === 'score.threshold');
    expect(reason.message).toMatch(/toxicity/);
    expect(reason.spans.length).toBeGreaterThan(0);
    for (const span of reason.spans) expect(body.slice(span.start, span.end)).toBe(span.text);
  });
});
