import { ModerationEngine } from './engine.js';
import { comment, evaluate, findReason, reasonCodes, spanTexts } from './spec-helpers.js';
import type { CommentSignals } from './types.js';

describe('spam signals', () => {
  describe('links', () => {
    const engine = new ModerationEngine({
      spam: { blockedDomains: ['evil.co.uk'], allowedDomains: ['example.org'], maxLinks: 2 },
    });

    it('rejects links into a blocked domain or its subdomains, and only those', () => {
      const verdict = engine.evaluate(comment('See https://www.evil.co.uk/x and http://notevil.co.uk'));
      expect(verdict.action).toBe('reject');
      expect(spanTexts(verdict, 'spam.blocked_domain')).toEqual(['https://www.evil.co.uk/x']);
      expect(engine.evaluate(comment('See http://notevil.co.uk')).action).toBe('approve');
    });

    it('holds links through URL shorteners', () => {
      const verdict = engine.evaluate(comment('Click bit.ly/3xYz now'));
      expect(verdict.action).toBe('hold');
      expect(findReason(verdict, 'spam.shortener')).toMatchObject({ ref: 'bit.ly', spans: [{ start: 6, end: 17, text: 'bit.ly/3xYz' }] });
    });

    it('holds too many links, not counting allowed domains', () => {
      expect(reasonCodes(engine.evaluate(comment('a.com/1 b.com/2 c.com/3')))).toContain('spam.too_many_links');
      expect(engine.evaluate(comment('a.com/1 b.com/2 https://example.org/3 www.example.org')).action).toBe('approve');
    });

    it('does not take run-on sentences, file names or e-mail domains for links', () => {
      expect(reasonCodes(evaluate('He said.It was late. See readme.txt or mail me@site.com'))).not.toContain('spam.link');
      expect(reasonCodes(evaluate('Such a dream.love it, for her.my mother'))).not.toContain('spam.link');
      expect(reasonCodes(evaluate('see lovely.life/offer or is.gd and t.co'))).toContain('spam.link');
    });
  });

  describe('content signals add to the spam score', () => {
    it.each([
      ['spam.caps', 'THIS IS THE BEST OFFER YOU WILL EVER SEE', 'THIS'],
      ['spam.repetition', 'wow!!!!!!!!!!!!!!!!', '!!!!!!!!!!!!!!!!'],
      ['spam.phone', 'Call 07700 900123 today', '07700 900123'],
      ['spam.phone', 'call +44 20 7946 0958', '+44 20 7946 0958'],
      ['spam.phone', 'US office (555) 123-4567', '(555) 123-4567'],
      ['spam.email', 'write to deals@cheap-stuff.biz.', 'deals@cheap-stuff.biz'],
      ['spam.crypto_address', 'send to 1BoatSLRHtKNngkdXEeobR76b53LETtpyT', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'],
      ['spam.crypto_address', 'send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq', 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq'],
      ['spam.crypto_address', 'eth 0x52908400098527886E0F7030069857D2E4169EE7', '0x52908400098527886E0F7030069857D2E4169EE7'],
      ['spam.money_promise', 'Earn $500 a day', 'Earn $500'],
      ['list.spam', 'Check out my videos', 'Check out my'],
    ])('%s: %s', (code, body, span) => {
      const verdict = evaluate(body);
      const reason = findReason(verdict, code);
      expect(reason).toMatchObject({ category: 'spam', effect: 'score' });
      if (code !== 'spam.caps') expect(reason?.spans.map((s) => s.text)).toEqual([span]);
      expect(verdict.scores.spam).toBeGreaterThan(0);
    });

    it('holds when signals add up to the spam threshold', () => {
      const verdict = evaluate('Check out my channel, or call 07700 900123');
      expect(verdict.scores.spam).toBeGreaterThanOrEqual(0.5);
      expect(verdict.action).toBe('hold');
      expect(findReason(verdict, 'score.threshold')?.ref).toBe('spam');
    });

    it.each([
      'In 2019 the town had 500 000 000 visitors',
      'The years 1990 2000 2010 were different',
      'ISBN in https://books.example.com/9780415283342 is fine',
      'Short SHOUT only',
      'Fine... really fine',
      'A hash: deadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
    ])('stays quiet on ordinary text: %s', (body) => {
      const verdict = evaluate(body);
      expect(verdict.reasons.filter((reason) => reason.code !== 'spam.link')).toEqual([]);
    });
  });

  describe('counters from the worker', () => {
    it.each<[keyof CommentSignals, number, string]>([
      ['authorRepeatCount', 3, 'spam.author_repeat'],
      ['distinctAuthorsSameText', 5, 'spam.same_text_many_authors'],
      ['authorPostsLastMinute', 5, 'spam.author_rate'],
      ['ipPostsLastMinute', 20, 'spam.ip_rate'],
      ['reportCount', 3, 'reports.threshold'],
    ])('%s at %d holds with %s', (signal, threshold, code) => {
      const engine = new ModerationEngine();
      expect(engine.evaluate({ ...comment('hello'), signals: { [signal]: threshold - 1 } }).action).toBe('approve');
      const held = engine.evaluate({ ...comment('hello'), signals: { [signal]: threshold } });
      expect(held.action).toBe('hold');
      expect(findReason(held, code)).toMatchObject({ ref: signal, effect: 'hold' });
    });

    it('ignores a counter whose threshold is 0', () => {
      const engine = new ModerationEngine({ spam: { holdAt: { ipPostsLastMinute: 0 } } });
      expect(engine.evaluate({ ...comment('hello'), signals: { ipPostsLastMinute: 1000 } }).action).toBe('approve');
    });
  });
});
