import { maskArtefacts } from './artefacts.js';
import { DEFAULT_FEATURIZER_PARAMS, Featurizer, featurizerKey, type Features } from './featurizer.js';
import { TEST_FEATURIZER } from './spec-helpers.js';

/** The features as a map index → value, copied out of the featurizer's buffers. */
function asMap(features: Features): Map<number, number> {
  return new Map(Array.from(features.indices.subarray(0, features.count), (index, slot) => [index, features.values[slot]]));
}

describe('Featurizer', () => {
  const featurizer = new Featurizer(TEST_FEATURIZER);

  it('is deterministic, across calls and instances', () => {
    const text = 'You are an idiot, and the bridge plan is a joke!';
    const first = asMap(featurizer.run(text));
    expect(asMap(featurizer.run('something else entirely'))).not.toEqual(first);
    expect(asMap(featurizer.run(text))).toEqual(first);
    expect(asMap(new Featurizer(TEST_FEATURIZER).run(text))).toEqual(first);
  });

  it('gives L2-normalised vectors of distinct indices within the dimension', () => {
    const features = featurizer.run('the the the cat sat on the mat, the end');
    const indices = Array.from(features.indices.subarray(0, features.count));
    expect(new Set(indices).size).toBe(indices.length);
    expect(indices.every((index) => index >= 0 && index < featurizer.dimension)).toBe(true);
    const norm = Math.hypot(...features.values.subarray(0, features.count));
    expect(norm).toBeCloseTo(1, 5);
  });

  it.each([
    ['dotted letters', 'you f.u.c.k', 'you fuck'],
    ['leetspeak', 'you 1d10t', 'you idiot'],
    ['look-alike letters', 'you іdіot', 'you idiot'],
    ['case and punctuation', 'YOU... IDIOT!!!', 'you idiot'],
    ['stretched letters', 'you idiooooot', 'you idioot'],
  ])('folds %s onto the plain word', (_kind, evasion, plain) => {
    expect(asMap(featurizer.run(evasion))).toEqual(asMap(featurizer.run(plain)));
  });

  it('ignores the artefacts of the source (mentions, RT, entities, links, wiki signatures)', () => {
    const plain = asMap(featurizer.run('what a clown'));
    expect(asMap(featurizer.run('RT @USER: what a clown &amp;'))).toEqual(plain);
    expect(asMap(featurizer.run('what a clown (talk) 21:51, January 11, 2016 (UTC)'))).toEqual(plain);
    const withLink = asMap(featurizer.run('what a clown https://example.com/x?y=1'));
    expect(withLink.size).toBe(plain.size + 1);
  });

  it('hashes numbers by their size only', () => {
    expect(asMap(featurizer.run('call 08712300220'))).toEqual(asMap(featurizer.run('call 44556677889')));
    expect(asMap(featurizer.run('call 123'))).not.toEqual(asMap(featurizer.run('call 08712300220')));
  });

  it('records where every token is in the normalised text', () => {
    const features = featurizer.run('Hello   big world');
    const tokens = Array.from({ length: features.tokenCount }, (_, k) => features.normalised.text.slice(features.tokenStart[k], features.tokenEnd[k]));
    expect(tokens).toEqual(['hello', 'big', 'world']);
  });

  it('handles empty and separator-only texts', () => {
    expect(featurizer.run('').count).toBe(0);
    expect(featurizer.run(' ... !!! ').count).toBe(0);
  });

  it('rejects bad parameters and keys distinct parameters apart', () => {
    expect(() => new Featurizer({ ...TEST_FEATURIZER, dimensionBits: 40 })).toThrow(/dimensionBits/);
    expect(() => new Featurizer({ ...TEST_FEATURIZER, charNgramMin: 5, charNgramMax: 3 })).toThrow(/charNgram/);
    expect(featurizerKey(TEST_FEATURIZER)).not.toBe(featurizerKey(DEFAULT_FEATURIZER_PARAMS));
  });
});

describe('maskArtefacts', () => {
  it('keeps the length, so offsets still point into the original', () => {
    const original = 'RT @bob_1: look &quot;here&quot; www.spam.com/win @USER URL';
    const masked = maskArtefacts(original);
    expect(masked.text).toHaveLength(original.length);
    expect(masked.text.trim().split(/\s+/)).toEqual(['look', 'here']);
    expect(masked.links).toBe(2);
  });

  it('keeps leetspeak @ and ordinary words that look like artefacts', () => {
    expect(maskArtefacts('you @ss, the url and rt are fine').unchanged).toBe(true);
  });
});
