/**
 * Hashing and seeded randomness shared by the featurizer, the training split and the trainer.
 * Everything here is integer arithmetic on 32-bit values, so results are identical on every
 * platform and Node version (reproducible models need that).
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The FNV-1a state before any character, offset by `seed` so that feature kinds do not collide. */
export function hashStart(seed: number): number {
  return (FNV_OFFSET_BASIS ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
}

/** One FNV-1a step: folds a UTF-16 code unit into `state`. */
export function hashStep(state: number, codeUnit: number): number {
  return Math.imul(state ^ codeUnit, FNV_PRIME);
}

/**
 * Murmur3's finaliser: FNV-1a alone leaves the low bits (the ones a power-of-two table keeps)
 * poorly mixed for short inputs such as two-letter n-grams.
 */
export function hashFinish(state: number): number {
  let h = state;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two finished hashes into one (word bigrams). */
export function hashPair(first: number, second: number): number {
  return hashFinish(Math.imul(first, 31) ^ second ^ 0x5bd1e995);
}

/** The finished hash of a whole string. */
export function hashString(text: string, seed: number): number {
  let state = hashStart(seed);
  for (let i = 0; i < text.length; i++) state = hashStep(state, text.charCodeAt(i));
  return hashFinish(state);
}

/** A uniform number in [0, 1) fixed by `seed` and `key`: the same text always lands in the same split. */
export function seededUnit(seed: number, key: string): number {
  return hashString(key, seed) / 0x1_0000_0000;
}

/** Mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** Fisher–Yates shuffle in place, driven by `random`. */
export function shuffleInPlace(values: Int32Array | number[], random: () => number): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const kept = values[i];
    values[i] = values[j];
    values[j] = kept;
  }
}
