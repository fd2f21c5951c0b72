import { ENGINE_VERSION, ModerationEngine } from './engine.js';
import { comment, defaultEngine, evaluate, findReason } from './spec-helpers.js';

describe('ModerationEngine', () => {
  it('approves an ordinary comment, listing every phase it ran', () => {
    const verdict = evaluate('Thanks for the clear report.');
    expect(verdict).toMatchObject({ action: 'approve', reasons: [], scores: {}, engineVersion: ENGINE_VERSION });
    expect(verdict.phases.map((phase) => phase.phase)).toEqual(['normalise', 'length', 'lists', 'rules', 'spam', 'author', 'scores', 'policy']);
    expect(verdict.phases.every((phase) => !phase.decisive && phase.durationMs === undefined)).toBe(true);
  });

  it('ends the run at the first reject', () => {
    const verdict = evaluate('I will kill you');
    expect(verdict.action).toBe('reject');
    expect(verdict.phases.map((phase) => phase.phase)).toEqual(['normalise', 'length', 'lists']);
    expect(verdict.phases.at(-1)).toMatchObject({ action: 'reject', decisive: true });
  });

  it('keeps running after a hold, so a later reject still wins and every reason is kept', () => {
    const engine = new ModerationEngine({ spam: { blockedDomains: ['evil.com'] } });
    const verdict = engine.evaluate(comment('You idiot, read evil.com/truth'));
    expect(verdict.action).toBe('reject');
    expect(verdict.reasons.map((reason) => [reason.phase, reason.code])).toEqual(
      expect.arrayContaining([
        ['lists', 'list.directed_insult'],
        ['spam', 'spam.blocked_domain'],
      ]),
    );
    expect(verdict.phases.find((phase) => phase.phase === 'lists')).toMatchObject({ action: 'hold', decisive: false });
  });

  it('rejects empty, whitespace-only, invisible-only and over-long bodies, and accepts emoji', () => {
    for (const body of ['', '   \n\t', '\u200b\u200d\ufeff']) expect(findReason(evaluate(body), 'length.empty')).toBeDefined();
    expect(findReason(evaluate('x'.repeat(10_001)), 'length.too_long')).toMatchObject({ effect: 'reject', category: 'length' });
    expect(evaluate('😀'.repeat(10_000)).action).toBe('approve');
    expect(evaluate('👍').action).toBe('approve');
  });

  it('applies the length policy', () => {
    const engine = new ModerationEngine({ minLength: 5, maxLength: 20, lengthAction: 'hold' });
    expect(findReason(engine.evaluate(comment('ok')), 'length.too_short')?.effect).toBe('hold');
    expect(findReason(engine.evaluate(comment('much too long for this site')), 'length.too_long')?.effect).toBe('hold');
    expect(engine.evaluate(comment('just right')).action).toBe('approve');
  });

  it('records phase timings only when asked', () => {
    const timed = new ModerationEngine({}, { recordTimings: true }).evaluate(comment('hello'));
    expect(timed.phases.every((phase) => typeof phase.durationMs === 'number')).toBe(true);
  });

  it('never throws, and points every span at the original text', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'f', 'u', 'c', 'k', ' ', '.', '*', '1', '$', '@', '\u200b', 'і', 'ｆ', '😀', '\ud800', 'ß', '\u0301', 'you ', 'idiot ', 'http://', 'bit.ly/', '07700 900123 '];
    for (let round = 0; round < 300; round++) {
      const body = Array.from({ length: random(40) }, () => alphabet[random(alphabet.length)]).join('');
      const verdict = defaultEngine.evaluate(comment(body));
      expect(['approve', 'hold', 'reject']).toContain(verdict.action);
      for (const reason of verdict.reasons) {
        for (const span of reason.spans) expect(body.slice(span.start, span.end)).toBe(span.text);
      }
    }
  });

  it('holds with engine.error rather than throwing on input it cannot read', () => {
    const verdict = defaultEngine.evaluate({ body: null, author: { id: 'a', name: 'A' } } as unknown as Parameters<ModerationEngine['evaluate']>[0]);
    expect(verdict.action).toBe('hold');
    expect(verdict.reasons[0]).toMatchObject({ code: 'engine.error', category: 'policy' });
  });
});
