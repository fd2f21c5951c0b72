import { ModerationEngine } from './engine.js';
import { DEFAULT_POLICY, PolicyError, validatePolicy } from './policy.js';
import type { Scorer } from './phases/scores.js';
import { comment, findReason } from './spec-helpers.js';

describe('validatePolicy', () => {
  it('gives the defaults for no policy, and merges a partial one over them', () => {
    expect(validatePolicy(undefined)).toEqual({ policy: DEFAULT_POLICY, errors: [] });
    const { policy, errors } = validatePolicy({ mode: 'pre', spam: { maxLinks: 5 }, thresholds: { toxicity: { hold: 0.8 } } });
    expect(errors).toEqual([]);
    expect(policy?.mode).toBe('pre');
    expect(policy?.spam.maxLinks).toBe(5);
    expect(policy?.spam.shortenerDomains).toEqual(DEFAULT_POLICY.spam.shortenerDomains);
    expect(policy?.thresholds.toxicity).toEqual({ hold: 0.8 });
    expect(policy?.thresholds.insult).toEqual(DEFAULT_POLICY.thresholds.insult);
  });

  it('names the JSON path of every bad field', () => {
    const { policy, errors } = validatePolicy({
      mode: 'sometimes',
      maxLength: -1,
      colour: 'blue',
      wordList: [{ term: 'ok', category: 'insult', action: 'score' }, { term: '!!!', category: 'rude', action: 'ban', weight: 2 }],
      rules: [
        { id: 'a', when: { any: [{ regex: 'fine' }] }, action: 'hold', category: 'spam', message: 'A' },
        { id: 'a', when: {}, action: 'hold', category: 'spam', message: 'dup' },
        {
          id: 'c',
          when: { any: [{ regex: '(unclosed' }], all: [{ linkDomain: { in: ['co.uk'] } }, { author: { karma: { lt: 1 } } }, { regex: 'x', reportCount: { gte: 1 } }] },
          action: 'hold',
          category: 'spam',
          message: 'C',
        },
      ],
      spam: { blockedDomains: ['http://evil.com/page'], weights: { caps: 3 }, holdAt: { fooCount: 1 } },
      thresholds: { insult: { hold: 0.9, reject: 0.5 }, spam: 'high' },
    });
    expect(policy).toBeUndefined();
    expect(errors.map((error) => error.field).sort()).toEqual(
      [
        'colour',
        'maxLength',
        'mode',
        'rules[1].id',
        'rules[1].when',
        'rules[2].when.all[0].linkDomain.in[0]',
        'rules[2].when.all[1].author',
        'rules[2].when.all[1].author.karma',
        'rules[2].when.all[2]',
        'rules[2].when.any[0].regex',
        'spam.blockedDomains[0]',
        'spam.holdAt.fooCount',
        'spam.weights.caps',
        'thresholds.insult.hold',
        'thresholds.spam',
        'wordList[1].action',
        'wordList[1].category',
        'wordList[1].term',
        'wordList[1].weight',
      ].sort(),
    );
    expect(errors.find((error) => error.field === 'rules[2].when.any[0].regex')?.problem).toMatch(/not a valid RE2 regular expression/);
  });

  it('rejects a non-object policy', () => {
    expect(validatePolicy('strict').errors).toEqual([{ field: '(root)', problem: 'must be an object' }]);
  });

  it('makes the engine constructor throw a PolicyError with the same problems', () => {
    const build = (): ModerationEngine => new ModerationEngine({ ruleTimeBudgetMs: 0 });
    expect(build).toThrow(PolicyError);
    try {
      build();
    } catch (error) {
      expect((error as PolicyError).errors).toEqual([{ field: 'ruleTimeBudgetMs', problem: 'must be a number from 0.001 to 1000' }]);
    }
  });

  it('refuses to let a site change the frozen defaults', () => {
    expect(() => (DEFAULT_POLICY.spam.shortenerDomains as string[]).push('x.com')).toThrow();
  });
});

describe('policy phase', () => {
  it('pre-moderates everything that is not rejected', () => {
    const engine = new ModerationEngine({ mode: 'pre' });
    const verdict = engine.evaluate(comment('A perfectly nice comment.'));
    expect(verdict.action).toBe('hold');
    expect(findReason(verdict, 'policy.premoderation')).toMatchObject({ phase: 'policy', category: 'policy' });
    expect(engine.evaluate(comment('I will kill you')).action).toBe('reject');
    expect(new ModerationEngine({ mode: 'post' }).evaluate(comment('A perfectly nice comment.')).action).toBe('approve');
  });

  it('applies hold and reject thresholds per category', () => {
    const engine = new ModerationEngine({ thresholds: { profanity: { hold: 0.2, reject: 0.6 } } });
    expect(engine.evaluate(comment('damn')).action).toBe('approve');
    expect(engine.evaluate(comment('shit')).action).toBe('hold');
    const rejected = engine.evaluate(comment('shit shit'));
    expect(rejected.action).toBe('reject');
    expect(findReason(rejected, 'score.threshold')).toMatchObject({ category: 'profanity', ref: 'profanity', effect: 'reject' });
  });

  it('lets a site drop a default threshold', () => {
    const engine = new ModerationEngine({ thresholds: { insult: {} } });
    expect(engine.evaluate(comment('idiots and morons')).action).toBe('approve');
  });
});

describe('scorers', () => {
  const toxicity: Scorer = {
    name: 'toy-model',
    score: (text) => ({ scores: { toxicity: text.text.includes('nasty') ? 0.9 : 0.1, insult: 0.2 }, spans: { toxicity: [{ start: 0, end: 5, text: 'nasty' }] } }),
  };

  it('puts scores in the verdict, and the thresholds apply to them', () => {
    const engine = new ModerationEngine({ thresholds: { toxicity: { hold: 0.8 } } }, { scorers: [toxicity] });
    const verdict = engine.evaluate(comment('nasty piece of work'));
    expect(verdict.scores.toxicity).toBe(0.9);
    expect(verdict.action).toBe('hold');
    expect(findReason(verdict, 'score.threshold')).toMatchObject({ category: 'policy', ref: 'toxicity', spans: [{ start: 0, end: 5, text: 'nasty' }] });
    expect(engine.evaluate(comment('lovely piece of work')).action).toBe('approve');
  });

  it('raises a category score to the scorer probability rather than adding to it', () => {
    const engine = new ModerationEngine({}, { scorers: [toxicity] });
    expect(engine.evaluate(comment('what an idiot')).scores.insult).toBe(0.4);
    expect(engine.evaluate(comment('hello')).scores.insult).toBe(0.2);
  });

  it('holds when a scorer fails', () => {
    const broken: Scorer = {
      name: 'broken',
      score: () => {
        throw new Error('model not loaded');
      },
    };
    const verdict = new ModerationEngine({}, { scorers: [broken] }).evaluate(comment('hello'));
    expect(verdict.action).toBe('hold');
    expect(findReason(verdict, 'scorer.error')).toMatchObject({ ref: 'broken', message: 'Scorer broken failed: model not loaded' });
  });
});
