import { ModerationEngine } from './engine.js';
import { comment, findReason } from './spec-helpers.js';
import type { CommentInput } from './types.js';

const by = (author: Partial<CommentInput['author']>, body = 'A fair point.'): CommentInput => ({
  ...comment(body),
  author: { id: 'author-2', name: 'Bo', ...author },
});

describe('author history', () => {
  const engine = new ModerationEngine({ holdNewAuthors: { enabled: true, minApproved: 2 } });

  it('rejects banned authors', () => {
    const verdict = engine.evaluate(by({ trust: 'banned', approvedCount: 50 }));
    expect(verdict.action).toBe('reject');
    expect(findReason(verdict, 'author.banned')).toMatchObject({ phase: 'author', effect: 'reject' });
  });

  it('always holds always_hold authors', () => {
    expect(findReason(engine.evaluate(by({ trust: 'always_hold', approvedCount: 50 })), 'author.always_hold')).toBeDefined();
  });

  it('holds new authors when the site asks', () => {
    expect(findReason(engine.evaluate(by({ approvedCount: 1 })), 'author.new')).toBeDefined();
    expect(engine.evaluate(by({ approvedCount: 2 })).action).toBe('approve');
    expect(new ModerationEngine().evaluate(by({})).action).toBe('approve');
  });

  it('holds authors who are mostly rejected, given enough history', () => {
    expect(findReason(engine.evaluate(by({ approvedCount: 2, rejectedCount: 3 })), 'author.rejection_rate')).toBeDefined();
    expect(engine.evaluate(by({ approvedCount: 1, rejectedCount: 3 })).reasons.map((r) => r.code)).not.toContain('author.rejection_rate');
    expect(engine.evaluate(by({ approvedCount: 10, rejectedCount: 3 })).action).toBe('approve');
  });

  it('lets trusted authors skip holds from any phase, but not rejections', () => {
    const trusted = by({ trust: 'trusted', approvedCount: 0 }, 'You idiot, see bit.ly/x');
    const verdict = engine.evaluate(trusted);
    expect(verdict.action).toBe('approve');
    expect(verdict.reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['list.directed_insult', 'spam.shortener', 'author.new']));
    expect(engine.evaluate(by({ trust: 'trusted' }, 'I will kill you')).action).toBe('reject');
  });
});
