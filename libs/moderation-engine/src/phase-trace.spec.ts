import { ModerationEngine } from './engine.js';
import { phaseTrace } from './phase-trace.js';
import { comment } from './spec-helpers.js';

describe('phaseTrace', () => {
  it('keeps each phase in order with only what it did: no reasons, no empty scores, no decisive: false', () => {
    const engine = new ModerationEngine({ spam: { blockedDomains: ['evil.com'] } });
    const verdict = engine.evaluate(comment('You idiot, read evil.com/truth'));
    const trace = phaseTrace(verdict.phases);
    expect(trace.map((t) => t.phase)).toEqual(verdict.phases.map((p) => p.phase));
    expect(trace[0]).toEqual({ phase: 'normalise' });
    expect(trace.find((t) => t.phase === 'lists')).toMatchObject({ action: 'hold', scores: expect.any(Object) });
    expect(trace.find((t) => t.phase === 'lists')).not.toHaveProperty('decisive');
    expect(trace.at(-1)).toEqual({ phase: 'spam', action: 'reject', decisive: true, scores: expect.any(Object) });
    expect(trace.some((t) => 'reasons' in t)).toBe(false);
  });

  it('rounds timings to the microsecond and leaves them out when none were recorded', () => {
    const clock = (() => {
      let now = 0;
      return () => (now += 0.123456789);
    })();
    const timed = phaseTrace(new ModerationEngine({}, { recordTimings: true, clock }).evaluate(comment('hello')).phases);
    expect(timed.every((t) => t.durationMs === Math.round(t.durationMs! * 1000) / 1000)).toBe(true);
    expect(timed[1].durationMs).toBe(0.123);
    expect(phaseTrace(new ModerationEngine().evaluate(comment('hello')).phases).some((t) => 'durationMs' in t)).toBe(false);
  });

  it('is a fraction of the full phase results written as JSON', () => {
    const phases = new ModerationEngine({}, { recordTimings: true }).evaluate(comment('Thanks for the clear report.')).phases;
    expect(JSON.stringify(phaseTrace(phases)).length).toBeLessThan(JSON.stringify(phases).length / 2);
  });
});
