import type { Verdict } from '#app/moderation-engine';
import { applyExternalAnswer, parseExternalAnswer } from './external-scores.js';

const approved: Verdict = { action: 'approve', reasons: [], scores: {}, engineVersion: 'x', phases: [] };
const held: Verdict = { ...approved, action: 'hold', reasons: [{ code: 'list.insult', category: 'insult', phase: 'lists', message: 'm', spans: [] }] };

describe('external scorer answers', () => {
  it.each([
    ['not json', 'the answer is not JSON'],
    ['[1]', 'the answer is not a JSON object'],
    ['{"scores": 3}', 'scores is not an object'],
    ['{"scores": {"toxicity": 1.5}}', 'score toxicity is not a number from 0 to 1'],
    ['{"scores": {"Bad Name": 0.5}}', 'score name "Bad Name" is not a lowercase identifier'],
    ['{"action": "delete"}', 'action is not approve, hold or reject'],
    ['{"reason": 5}', 'reason is not a string'],
  ])('refuses %s', (body, problem) => {
    expect(parseExternalAnswer(body, 3)).toEqual({ ok: false, problem, latencyMs: 3 });
  });

  it('accepts scores, an action and a reason', () => {
    expect(parseExternalAnswer('{"scores": {"toxicity": 0.2}, "action": "hold", "reason": "odd"}', 4)).toEqual({
      ok: true, scores: { toxicity: 0.2 }, action: 'hold', reason: 'odd', latencyMs: 4,
    });
  });

  it('makes a verdict stricter, never laxer', () => {
    const rejected = applyExternalAnswer(held, { ok: true, scores: {}, action: 'reject', reason: 'spam ring', latencyMs: 1 }, 'open');
    expect(rejected.action).toBe('reject');
    expect(rejected.reasons[0]).toMatchObject({ code: 'external.reject', phase: 'external', message: 'spam ring' });
    expect(applyExternalAnswer(held, { ok: true, scores: {}, action: 'approve', latencyMs: 1 }, 'open').action).toBe('hold');
    expect(rejected.phases.at(-1)).toMatchObject({ phase: 'external', action: 'reject' });
  });

  it('holds on failure when closed, and lets the verdict stand (with a note) when open', () => {
    const failure = { ok: false as const, problem: 'timed out', latencyMs: 1000 };
    expect(applyExternalAnswer(approved, failure, 'closed')).toMatchObject({ action: 'hold', reasons: [{ code: 'external.unavailable' }] });
    expect(applyExternalAnswer(approved, failure, 'open')).toMatchObject({ action: 'approve', reasons: [{ code: 'external.unavailable' }] });
  });
});
