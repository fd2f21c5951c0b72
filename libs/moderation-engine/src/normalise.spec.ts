import { normalise, spanOf, textFingerprint } from './normalise.js';

describe('normalise', () => {
  it.each([
    ['case and punctuation', 'Hello,   WORLD!!', 'hello world'],
    ['fullwidth forms (NFKC)', 'ｆｕｃｋ', 'fuck'],
    ['mathematical letters', '𝐟𝐮𝐜𝐤', 'fuck'],
    ['accents', 'fück ïdiot', 'fuck idiot'],
    ['zero-width characters inside a word', 'fu\u200bc\u200dk', 'fuck'],
    ['soft hyphen and variation selector', 'id\u00adio\ufe0ft', 'idiot'],
    ['Cyrillic look-alikes', 'іdiot', 'idiot'],
    ['Armenian look-alikes', 'fսck', 'fuck'],
    ['Greek look-alikes', 'ΗΕLLΟ', 'hello'],
    ['leetspeak digits', '1d10t', 'idiot'],
    ['leetspeak symbols', 'sh!t @ss a$$', 'shit ass ass'],
    ['masks', 'f*ck', 'f*ck'],
    ['spaced letters', 'f u c k off', 'fuck off'],
    ['dotted letters', 'f.u.c.k.', 'fuck'],
    ['dashed letters', 'f-u-c-k', 'fuck'],
    ['ß and ligatures', 'Straße ﬁne', 'strasse fine'],
  ])('folds %s', (_kind, body, expected) => {
    expect(normalise(body).text).toBe(expected);
  });

  it.each([
    ['numbers stay numbers', 'In 2019 about $500', 'in 2019 about 500'],
    ['two single letters are not spaced-out letters', 'Plan A b', 'plan a b'],
    ['e.g. stays two letters', 'e.g. this', 'e g this'],
    ['punctuation around a word is not leetspeak', '*sigh* idiot! |x|', 'sigh idiot x'],
    ['stretched letters are kept for the matcher', 'fuuuuck good', 'fuuuuck good'],
  ])('does not over-fold: %s', (_kind, body, expected) => {
    expect(normalise(body).text).toBe(expected);
  });

  it('maps every normalised character back to what the author typed', () => {
    const body = 'Ｈｉ  f\u200bu.c.k, 1d10t 😀 Straße';
    const norm = normalise(body);
    for (let i = 0; i < norm.length; i++) {
      const span = spanOf(norm, i, i + 1);
      expect(body.slice(span.start, span.end)).toBe(span.text);
      expect(span.text.length).toBeGreaterThan(0);
    }
    const word = norm.text.indexOf('idiot');
    expect(spanOf(norm, word, word + 5).text).toBe('1d10t');
  });

  it('never fails on hostile input', () => {
    const inputs = ['', '\ud800', '\udfff\ud800x', 'a'.repeat(50_000), '\u0301'.repeat(1000), '💩'.repeat(1000), '*'.repeat(100)];
    for (const body of inputs) {
      const norm = normalise(body);
      expect(norm.start.length).toBe(norm.text.length);
    }
  });

  it('makes room for code points that fold to many letters', () => {
    const norm = normalise(`${'ﷺ'.repeat(200)} f*ck`);
    expect(norm.text.endsWith(' f*ck')).toBe(true);
    expect(norm.length).toBeGreaterThan(200 * 18);
  });

  it('counts what the spam signals need while folding', () => {
    expect(normalise('HELLO wörld 42 a@b !!!!!!').stats).toEqual({
      letters: 12,
      upperLetters: 5,
      digits: 2,
      atSigns: 1,
      longestRunStart: 19,
      longestRunEnd: 25,
      longestAlnumRun: 5,
    });
  });

  it('gives the same fingerprint to texts that differ only in case, spacing and evasions', () => {
    expect(textFingerprint('Buy  CHEAP pills!!!')).toBe(textFingerprint('buy cheap pills'));
    expect(textFingerprint('Buy cheap p1lls')).toBe(textFingerprint('buy cheap pills'));
    expect(textFingerprint('buy cheap pills')).not.toBe(textFingerprint('buy cheap bills'));
  });
});
