import { ModerationEngine } from './engine.js';
import { comment, evaluate, findReason, reasonCodes, spanTexts } from './spec-helpers.js';

describe('word lists', () => {
  describe('see through evasions, pointing at what the author typed', () => {
    it.each([
      ['dotted letters', 'Oh f.u.c.k this', 'list.profanity', 'f.u.c.k'],
      ['stretched letters', 'fuuuuck that', 'list.profanity', 'fuuuuck'],
      ['spaced letters', 'well f u c k you', 'list.profanity', 'f u c k'],
      ['fullwidth letters', 'ｆｕｃｋ off', 'list.profanity', 'ｆｕｃｋ'],
      ['Armenian look-alike', 'what the fսck', 'list.profanity', 'fսck'],
      ['Cyrillic look-alike', 'an іdiot wrote this', 'list.insult', 'іdiot'],
      ['leet digits', 'a total 1d10t', 'list.insult', '1d10t'],
      ['leet digit in a mild word', 'this is sh1t', 'list.profanity', 'sh1t'],
      ['one-letter mask', 'f*ck that', 'list.profanity', 'f*ck'],
      ['two-letter mask', 'F**K that', 'list.profanity', 'F**K'],
      ['zero-width space inside a word', 'fu\u200bck that', 'list.profanity', 'fu\u200bck'],
      ['accents', 'fück that', 'list.profanity', 'fück'],
      ['a whole word from a prefix', 'fucking hell', 'list.profanity', 'fucking'],
    ])('%s', (_kind, body, code, span) => {
      const verdict = evaluate(body);
      expect(spanTexts(verdict, code)).toContain(span);
      for (const reason of verdict.reasons) {
        for (const { start, end, text } of reason.spans) expect(body.slice(start, end)).toBe(text);
      }
    });

    it('reads 1 as l where that makes the word (ki11)', () => {
      expect(evaluate('ki11 yourself').action).toBe('reject');
    });
  });

  describe('do not flag innocent words', () => {
    it.each([
      'Scunthorpe United won',
      'The assassin was caught',
      'A cocktail in Essex and Sussex',
      'My therapist reads Dickens',
      'That was a hell of a game',
      'The class cut the grass',
      'Matsushita makes radios',
      'shitake mushrooms',
      'a careful analysis of the data',
      'fire retardant coating',
      'He is as good as the committee says',
      'I will shoot you an email tomorrow',
      'Summa cum laude graduates',
    ])('%s', (body) => {
      const verdict = evaluate(body);
      expect(verdict.reasons.filter((reason) => reason.phase === 'lists')).toEqual([]);
      expect(verdict.action).toBe('approve');
    });

    it.each([
      'Dozens of militants were reportedly killed as a result.',
      'The army will attack the town and bomb the bridges.',
      'Looting and slaughtering can begin',
      'The civilians fled fearing a massacre.',
      'The rape trial starts on Monday.',
      'Idlib shall be annihilated. Period.',
    ])('descriptive news vocabulary: %s', (body) => {
      expect(evaluate(body).action).toBe('approve');
    });
  });

  it('compares run lengths: a doubled letter is not a stretch', () => {
    expect(evaluate('as you say').reasons).toEqual([]);
    expect(spanTexts(evaluate('what an asssss'), 'list.profanity')).toEqual(['asssss']);
  });

  describe('list actions', () => {
    const engine = new ModerationEngine({
      wordList: [
        { term: 'frobnicate', category: 'profanity', action: 'reject' },
        { term: 'gizmo', category: 'spam', action: 'hold', match: 'prefix' },
        { term: 'wibble', category: 'insult', action: 'score', weight: 0.3 },
        { term: 'buy my book', category: 'spam', action: 'hold', match: 'phrase' },
      ],
    });

    it('rejects, and ends the run', () => {
      const verdict = engine.evaluate(comment('Do not frobnicate.'));
      expect(verdict.action).toBe('reject');
      expect(verdict.phases.at(-1)).toMatchObject({ phase: 'lists', decisive: true });
      expect(findReason(verdict, 'list.profanity')).toMatchObject({ effect: 'reject', ref: 'frobnicate', category: 'profanity' });
    });

    it('holds, matching a prefix', () => {
      const verdict = engine.evaluate(comment('Gizmos for sale'));
      expect(verdict.action).toBe('hold');
      expect(spanTexts(verdict, 'list.spam')).toEqual(['Gizmos']);
    });

    it('matches a phrase across punctuation', () => {
      expect(engine.evaluate(comment('Please, buy... my book!')).action).toBe('hold');
    });

    it('scores, leaving the action to the thresholds', () => {
      const once = engine.evaluate(comment('wibble'));
      expect(once.action).toBe('approve');
      expect(once.scores.insult).toBe(0.3);
      const twice = engine.evaluate(comment('wibble wibble'));
      expect(twice.scores.insult).toBe(0.6);
      expect(twice.action).toBe('hold');
      expect(findReason(twice, 'score.threshold')?.spans.map((span) => span.text)).toEqual(['wibble', 'wibble']);
    });

    it('caps summed scores at 1', () => {
      expect(engine.evaluate(comment('wibble '.repeat(10))).scores.insult).toBe(1);
    });

    it('replaces the built-in list when asked', () => {
      const only = new ModerationEngine({ replaceDefaultList: true, wordList: [{ term: 'gizmo', category: 'spam', action: 'hold' }] });
      expect(only.evaluate(comment('fuck this gizmo')).reasons.map((reason) => reason.ref)).toEqual(['gizmo']);
    });

    it('adds the site allow list to the built-in one', () => {
      const allowing = new ModerationEngine({ allowList: ['fucking machine'] });
      expect(allowing.evaluate(comment('the fucking machine exhibit')).action).toBe('approve');
      expect(allowing.evaluate(comment('the fucking exhibit')).action).toBe('hold');
    });
  });

  describe('insults aimed at someone', () => {
    it('holds an insult aimed at the reader', () => {
      const verdict = evaluate('You are an idiot.');
      expect(verdict.action).toBe('hold');
      expect(findReason(verdict, 'list.directed_insult')).toMatchObject({ category: 'insult', effect: 'hold' });
      expect(spanTexts(verdict, 'list.directed_insult')).toEqual(['You are an idiot']);
    });

    it('holds an insult aimed at a nationality as an identity attack', () => {
      const verdict = evaluate('Typical balkanic scum.');
      expect(findReason(verdict, 'list.group_insult')).toMatchObject({ category: 'identity_attack', effect: 'hold' });
      expect(spanTexts(verdict, 'list.group_insult')).toEqual(['balkanic scum']);
    });

    it('only scores an insult aimed at nobody in particular', () => {
      const verdict = evaluate('The idiot who did this should apologise.');
      expect(verdict.action).toBe('approve');
      expect(verdict.scores.insult).toBeGreaterThan(0);
    });

    it('does not reach across a sentence or too many words', () => {
      expect(reasonCodes(evaluate('Thank you. Idiots are everywhere.'))).not.toContain('list.directed_insult');
      expect(reasonCodes(evaluate('Did you see what that idiot said?'))).not.toContain('list.directed_insult');
    });

    it('uses the policy action', () => {
      const strict = new ModerationEngine({ directedInsultAction: 'reject' });
      expect(strict.evaluate(comment('you moron')).action).toBe('reject');
    });
  });

  it('rejects threats shaped as threats, and self-harm encouragement', () => {
    expect(evaluate("I'll kill you").action).toBe('reject');
    expect(evaluate('Go kill yourself').action).toBe('reject');
    expect(evaluate('That joke will kill yourself laughing').action).toBe('approve');
  });

  it('holds self-harm statements for a moderator', () => {
    expect(findReason(evaluate('Some days I want to die.'), 'list.self_harm')).toMatchObject({ effect: 'hold' });
  });
});
