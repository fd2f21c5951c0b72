import { normalise, type NormalisedText } from '#app/moderation-engine';
import { maskArtefacts } from './artefacts.js';
import { hashFinish, hashPair, hashStart, hashStep } from './hashing.js';

/** How a text becomes a hashed feature vector. Stored in every model file. */
export interface FeaturizerParams {
  /** The vector has 2^dimensionBits entries. */
  readonly dimensionBits: number;
  /** Pairs of consecutive words, besides single words. */
  readonly wordBigrams: boolean;
  /** Character n-grams of these lengths within each word, its boundaries included; 0 for none. */
  readonly charNgramMin: number;
  readonly charNgramMax: number;
  /** Only a word's first characters make character n-grams: a 300-letter scream is one word. */
  readonly maxWordLength: number;
  /**
   * Weight of a word or word-pair feature relative to a character n-gram: a word makes about
   * fifteen n-grams, which would otherwise drown the word itself.
   */
  readonly wordWeight: number;
}

export const DEFAULT_FEATURIZER_PARAMS: FeaturizerParams = Object.freeze({
  dimensionBits: 18,
  wordBigrams: true,
  charNgramMin: 2,
  charNgramMax: 5,
  maxWordLength: 20,
  wordWeight: 3,
});

/** Two models whose keys are equal hash texts identically (they can share one featurization). */
export function featurizerKey(params: FeaturizerParams): string {
  const { dimensionBits, wordBigrams, charNgramMin, charNgramMax, maxWordLength, wordWeight } = params;
  return `h${dimensionBits}-b${wordBigrams ? 1 : 0}-c${charNgramMin}to${charNgramMax}-m${maxWordLength}-w${wordWeight}`;
}

/** A problem with the parameters, or undefined when they are usable. */
export function featurizerParamsProblem(params: FeaturizerParams): string | undefined {
  const { dimensionBits, charNgramMin, charNgramMax, maxWordLength, wordWeight } = params;
  if (!Number.isInteger(dimensionBits) || dimensionBits < 8 || dimensionBits > 24) return 'dimensionBits must be an integer from 8 to 24';
  if (typeof params.wordBigrams !== 'boolean') return 'wordBigrams must be a boolean';
  if (!Number.isInteger(charNgramMin) || !Number.isInteger(charNgramMax) || charNgramMin < 0 || charNgramMax > 8 || charNgramMin > charNgramMax) {
    return 'charNgramMin and charNgramMax must be integers with 0 ≤ min ≤ max ≤ 8';
  }
  if (charNgramMin === 0 && charNgramMax !== 0) return 'charNgramMin is 0 (no character n-grams) but charNgramMax is not';
  if (!Number.isInteger(maxWordLength) || maxWordLength < 1) return 'maxWordLength must be a positive integer';
  if (!(wordWeight > 0) || !Number.isFinite(wordWeight)) return 'wordWeight must be a positive number';
  return undefined;
}

// Seeds that keep the kinds of features apart in the one hashed space.
const WORD_SEED = 1;
const CHAR_SEED = 2;
const NUMBER_SEED = 3;
const LINK_HASH = hashFinish(hashStart(4));

const SPACE = 0x20;
const DIGIT_ZERO = 0x30;
const DIGIT_NINE = 0x39;
/** Letters stretched beyond this many are cut back to it (fuuuuck → fuuck, coool → cool). */
const MAX_LETTER_RUN = 2;

/** The token of an occurrence that no token made (the link count). */
const NO_TOKEN = -1;

/**
 * The features of one text: `count` distinct hashed indices with their values (sublinear term
 * frequency, L2-normalised), plus where each came from, for explanations. Owned by its
 * Featurizer and overwritten by its next `run`: copy what you keep.
 */
export class Features {
  original = '';
  /** The normalised text the tokens index into (its offsets point into `original`). */
  normalised!: NormalisedText;
  count = 0;
  indices: Int32Array = new Int32Array(256);
  values: Float32Array = new Float32Array(256);
  /** Raw occurrences per distinct feature, before weighting. */
  occurrencesOf: Float32Array = new Float32Array(256);

  tokenCount = 0;
  /** Token k is normalised characters [tokenStart[k], tokenEnd[k]). */
  tokenStart: Int32Array = new Int32Array(64);
  tokenEnd: Int32Array = new Int32Array(64);

  occurrenceCount = 0;
  /** Occurrence o is of feature slot `occurrenceSlot[o]`, made by tokens `occurrenceToken[o]` onwards. */
  occurrenceSlot: Int32Array = new Int32Array(1024);
  occurrenceToken: Int32Array = new Int32Array(1024);
  /** How many tokens made it: 1, or 2 for a word pair. */
  occurrenceWidth: Uint8Array = new Uint8Array(1024);

  /** Makes room for `occurrences` feature occurrences and `tokens` tokens, so adding needs no checks. */
  reserve(occurrences: number, tokens: number): void {
    if (this.occurrenceSlot.length < occurrences) {
      const size = Math.max(occurrences, this.occurrenceSlot.length * 2);
      this.indices = new Int32Array(size);
      this.values = new Float32Array(size);
      this.occurrencesOf = new Float32Array(size);
      this.occurrenceSlot = new Int32Array(size);
      this.occurrenceToken = new Int32Array(size);
      this.occurrenceWidth = new Uint8Array(size);
    }
    if (this.tokenStart.length < tokens) {
      const size = Math.max(tokens, this.tokenStart.length * 2);
      this.tokenStart = new Int32Array(size);
      this.tokenEnd = new Int32Array(size);
    }
  }
}

/**
 * Turns texts into hashed feature vectors: word unigrams and bigrams and character n-grams of the
 * normalised text (so f.u.c.k, fսck and 1d10t hash like the words they spell), after the source
 * artefacts are masked (see artefacts.ts). Synchronous; its typed-array buffers are reused, so
 * the result is valid until the next `run`.
 */
export class Featurizer {
  readonly params: FeaturizerParams;
  readonly key: string;
  readonly dimension: number;
  private readonly mask: number;
  /** Slot of each hashed index in the current text, or -1: deduplicates without sorting. */
  private readonly slotOf: Int32Array;
  private readonly features = new Features();
  /** The current word with stretched letters cut back, padded with a boundary on each side. */
  private word = new Uint16Array(64);

  constructor(params: FeaturizerParams = DEFAULT_FEATURIZER_PARAMS) {
    const problem = featurizerParamsProblem(params);
    if (problem !== undefined) throw new Error(`Bad featurizer parameters: ${problem}`);
    this.params = Object.freeze({ ...params });
    this.key = featurizerKey(params);
    this.dimension = 2 ** params.dimensionBits;
    this.mask = this.dimension - 1;
    this.slotOf = new Int32Array(this.dimension).fill(-1);
  }

  /**
   * The features of `original`. Pass `normalised` when the caller already has the engine's
   * normalisation of it (a scorer does): it is reused unless masking changed the text.
   */
  run(original: string, normalised?: NormalisedText): Features {
    const masked = maskArtefacts(original);
    const text = masked.unchanged && normalised !== undefined ? normalised : normalise(masked.text);
    const features = this.features;
    features.original = original;
    features.normalised = text;
    features.count = 0;
    features.tokenCount = 0;
    features.occurrenceCount = 0;

    const { codes } = text;
    // Each character starts at most one n-gram per length, plus a word and a pair per token
    // (a token is at least one character and a separator).
    const { charNgramMin, charNgramMax } = this.params;
    const perCharacter = (charNgramMin === 0 ? 0 : charNgramMax - charNgramMin + 1) * 3 + 2;
    features.reserve((codes.length + 2) * perCharacter + masked.links, codes.length + 1);
    let previousWordHash = 0;
    for (let at = 0; at < codes.length; ) {
      let end = at;
      while (end < codes.length && codes[end] !== SPACE) end++;
      const token = this.addToken(at, end);
      const wordHash = this.wordFeatures(codes, at, end, token);
      if (this.params.wordBigrams && token > 0) this.add(hashPair(previousWordHash, wordHash), token - 1, 2, this.params.wordWeight);
      previousWordHash = wordHash;
      at = end + 1;
    }
    for (let link = 0; link < masked.links; link++) this.add(LINK_HASH, NO_TOKEN, 0, this.params.wordWeight);
    this.weigh();
    return features;
  }

  private addToken(start: number, end: number): number {
    const features = this.features;
    const token = features.tokenCount++;
    features.tokenStart[token] = start;
    features.tokenEnd[token] = end;
    return token;
  }

  /** Adds the word's own feature and its character n-grams; returns its hash (for bigrams). */
  private wordFeatures(codes: Uint16Array, start: number, end: number, token: number): number {
    let numeric = true;
    for (let k = start; k < end; k++) {
      if (codes[k] < DIGIT_ZERO || codes[k] > DIGIT_NINE) {
        numeric = false;
        break;
      }
    }
    if (numeric) {
      // Numbers stand for their size only: a phone number is spam-like, its digits are not.
      const digits = end - start;
      const sizeClass = digits <= 2 ? 1 : digits <= 4 ? 2 : digits <= 7 ? 3 : 4;
      const numberHash = hashFinish(hashStep(hashStart(NUMBER_SEED), sizeClass));
      this.add(numberHash, token, 1, this.params.wordWeight);
      return numberHash;
    }

    const length = this.loadWord(codes, start, end);
    const word = this.word;
    let state = hashStart(WORD_SEED);
    for (let k = 1; k <= length; k++) state = hashStep(state, word[k]);
    const wordHash = hashFinish(state);
    this.add(wordHash, token, 1, this.params.wordWeight);

    const { charNgramMin, charNgramMax, maxWordLength } = this.params;
    if (charNgramMin === 0) return wordHash;
    // The padded word: boundary, at most maxWordLength characters, boundary.
    const padded = Math.min(length, maxWordLength) + 2;
    word[padded - 1] = SPACE;
    for (let from = 0; from + charNgramMin <= padded; from++) {
      let gram = hashStart(CHAR_SEED);
      const longest = Math.min(charNgramMax, padded - from);
      for (let n = 1; n <= longest; n++) {
        gram = hashStep(gram, word[from + n - 1]);
        if (n >= charNgramMin) this.add(hashFinish(gram), token, 1, 1);
      }
    }
    return wordHash;
  }

  /** Copies the token into `word[1..]` with stretched letters cut back; returns its length. */
  private loadWord(codes: Uint16Array, start: number, end: number): number {
    if (this.word.length < end - start + 2) this.word = new Uint16Array((end - start) * 2 + 2);
    const word = this.word;
    word[0] = SPACE;
    let length = 0;
    let run = 0;
    for (let k = start; k < end; k++) {
      const code = codes[k];
      run = length > 0 && word[length] === code ? run + 1 : 1;
      if (run <= MAX_LETTER_RUN) word[++length] = code;
    }
    return length;
  }

  /** Records one occurrence of a hashed feature of the given kind weight. */
  private add(hash: number, token: number, width: number, weight: number): void {
    const features = this.features;
    const index = hash & this.mask;
    let slot = this.slotOf[index];
    if (slot < 0) {
      slot = features.count++;
      this.slotOf[index] = slot;
      features.indices[slot] = index;
      features.occurrencesOf[slot] = 0;
      // Until `weigh`, `values` holds the kind weight (colliding kinds keep the first one's).
      features.values[slot] = weight;
    }
    features.occurrencesOf[slot]++;
    const occurrence = features.occurrenceCount++;
    features.occurrenceSlot[occurrence] = slot;
    features.occurrenceToken[occurrence] = token;
    features.occurrenceWidth[occurrence] = width;
  }

  /** Sublinear term frequency times the kind's weight, then L2 normalisation; clears `slotOf`. */
  private weigh(): void {
    const { count, indices, values, occurrencesOf } = this.features;
    let squares = 0;
    for (let slot = 0; slot < count; slot++) {
      const value = values[slot] * (1 + Math.log(occurrencesOf[slot]));
      values[slot] = value;
      squares += value * value;
      this.slotOf[indices[slot]] = -1;
    }
    const scale = squares > 0 ? 1 / Math.sqrt(squares) : 0;
    for (let slot = 0; slot < count; slot++) values[slot] *= scale;
  }
}
