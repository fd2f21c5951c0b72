import { ModerationEngine } from './engine.js';
import type { Rule } from './policy-types.js';
import { comment, findReason } from './spec-helpers.js';
import type { CommentInput } from './types.js';

const rule = (id: string, when: Rule['when'], extra: Partial<Rule> = {}): Rule => ({
  id,
  when,
  action: 'hold',
  category: 'spam',
  message: `Rule ${id}`,
  ...extra,
});

describe('pattern rules', () => {
  it('matches body regular expressions, case-insensitively by default', () => {
    const engine = new ModerationEngine({ rules: [rule('crypto', { any: [{ regex: 'buy\\s+bitcoin' }] })] });
    const verdict = engine.evaluate(comment('😀 You should BUY  bitcoin now'));
    expect(verdict.action).toBe('hold');
    expect(findReason(verdict, 'rule.match')).toMatchObject({ ref: 'crypto', message: 'Rule crypto', spans: [{ start: 14, end: 26, text: 'BUY  bitcoin' }] });
    expect(engine.evaluate(comment('bitcoin is volatile')).action).toBe('approve');
  });

  it('honours caseSensitive and can match the normalised text', () => {
    const engine = new ModerationEngine({
      rules: [
        rule('shout', { any: [{ regex: 'NOW', caseSensitive: true }] }),
        rule('folded', { any: [{ regex: 'free money', on: 'normalised' }] }),
      ],
    });
    expect(engine.evaluate(comment('now')).action).toBe('approve');
    expect(engine.evaluate(comment('NOW')).action).toBe('hold');
    const verdict = engine.evaluate(comment('Get FR33 -- m0ney!'));
    expect(findReason(verdict, 'rule.match')?.spans).toEqual([{ start: 4, end: 17, text: 'FR33 -- m0ney' }]);
  });

  it('runs a regex that would backtrack for minutes in JavaScript in linear time', () => {
    const engine = new ModerationEngine({ rules: [rule('evil', { any: [{ regex: '(a+)+$' }] })] });
    const body = `${'a'.repeat(50)}!`.repeat(50);
    const started = performance.now();
    const verdict = engine.evaluate(comment(body));
    expect(performance.now() - started).toBeLessThan(500);
    expect(findReason(verdict, 'rule.match')).toBeUndefined();
  });

  it('combines all and any conditions', () => {
    const engine = new ModerationEngine({
      rules: [
        rule('new-and-linky', {
          all: [{ author: { accountAgeDays: { lt: 2 } } }],
          any: [{ linkDomain: { notIn: ['example.org'] } }, { regex: 'telegram' }],
        }),
      ],
    });
    const fresh = (body: string): CommentInput => ({ ...comment(body), author: { id: 'n', name: 'New', accountAgeDays: 1 } });
    expect(engine.evaluate(fresh('see www.spam.biz/offer')).action).toBe('hold');
    expect(engine.evaluate(fresh('join my telegram')).action).toBe('hold');
    expect(engine.evaluate(fresh('see https://docs.example.org/page')).action).toBe('approve');
    expect(engine.evaluate(comment('see www.spam.biz/offer')).action).toBe('approve');
  });

  it('matches link domains with their subdomains', () => {
    const engine = new ModerationEngine({ rules: [rule('evil', { any: [{ linkDomain: { in: ['evil.co.uk'] } }] }, { action: 'reject' })] });
    const verdict = engine.evaluate(comment('read http://www.evil.co.uk/story, not notevil.co.uk'));
    expect(verdict.action).toBe('reject');
    expect(findReason(verdict, 'rule.match')?.spans.map((span) => span.text)).toEqual(['http://www.evil.co.uk/story']);
  });

  it('tests author history and reports', () => {
    const engine = new ModerationEngine({
      rules: [
        rule('veteran', { all: [{ author: { approvedCount: { gt: 100 } } }] }, { action: 'score', category: 'policy', weight: 0.1 }),
        rule('reported', { all: [{ reportCount: { gte: 2 } }] }, { category: 'policy' }),
      ],
    });
    const veteran = engine.evaluate({ ...comment('hi'), author: { id: 'v', name: 'V', approvedCount: 500 } });
    expect(veteran.action).toBe('approve');
    expect(veteran.scores.policy).toBe(0.1);
    expect(engine.evaluate({ ...comment('hi'), signals: { reportCount: 2 } }).action).toBe('hold');
    expect(engine.evaluate({ ...comment('hi'), signals: { reportCount: 1 } }).action).toBe('approve');
  });

  it('holds when a rule throws, and goes on with the other rules', () => {
    const engine = new ModerationEngine({
      rules: [rule('age', { all: [{ author: { accountAgeDays: { lt: 1 } } }] }), rule('word', { any: [{ regex: 'widget' }] })],
    });
    const author = { id: 'x', name: 'X' };
    Object.defineProperty(author, 'accountAgeDays', {
      get: () => {
        throw new Error('profile service glitch');
      },
    });
    const verdict = engine.evaluate({ body: 'a widget', author });
    expect(verdict.action).toBe('hold');
    expect(findReason(verdict, 'rule.error')).toMatchObject({ ref: 'age', category: 'policy', effect: 'hold' });
    expect(findReason(verdict, 'rule.match')?.ref).toBe('word');
  });

  it('holds, naming the skipped rules, when the rules run out of time', () => {
    let now = 0;
    const clock = (): number => (now += 1);
    const rules = Array.from({ length: 10 }, (_, index) => rule(`r${index}`, { any: [{ regex: `never${index}` }] }));
    const engine = new ModerationEngine({ rules, ruleTimeBudgetMs: 3 }, { clock });
    const verdict = engine.evaluate(comment('an ordinary comment'));
    expect(verdict.action).toBe('hold');
    const timeout = findReason(verdict, 'rule.timeout');
    expect(timeout).toMatchObject({ category: 'policy', effect: 'hold', ref: 'r2' });
    expect(timeout?.message).toContain('r2, r3, r4, r5, r6, r7, r8, r9');
  });

  it('times out on the real clock too', () => {
    const rules = Array.from({ length: 200 }, (_, index) => rule(`slow${index}`, { any: [{ regex: `(x+x+)+y${index}` }] }));
    const engine = new ModerationEngine({ rules, ruleTimeBudgetMs: 0.05 });
    expect(findReason(engine.evaluate(comment('x'.repeat(5_000))), 'rule.timeout')).toBeDefined();
  });
});
