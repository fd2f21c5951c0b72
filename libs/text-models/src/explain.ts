import type { Span } from '#app/moderation-engine';
import type { Features } from './featurizer.js';

/**
 * The words and phrases that pushed one score up the most, as spans of the original text.
 *
 * Each feature's contribution (value × weight) is shared among the tokens that made it: a word
 * gets its own feature and its character n-grams, a word pair is split between its two words.
 * Tokens whose share is at least `RELATIVE_CUTOFF` of the top token's are kept, neighbours are
 * merged into phrases, and the strongest `maxSpans` phrases are returned in text order.
 *
 * @param weightOf the weight (base plus any site adaptation) of a distinct feature `slot`.
 */
export function explainScore(features: Features, weightOf: (slot: number) => number, maxSpans: number): Span[] {
  const { tokenCount, occurrenceCount, occurrenceSlot, occurrenceToken, occurrenceWidth, values, occurrencesOf } = features;
  if (tokenCount === 0) return [];
  const tokenScores = new Float64Array(tokenCount);
  for (let occurrence = 0; occurrence < occurrenceCount; occurrence++) {
    const token = occurrenceToken[occurrence];
    if (token < 0) continue;
    const slot = occurrenceSlot[occurrence];
    const width = occurrenceWidth[occurrence];
    const share = (values[slot] * weightOf(slot)) / occurrencesOf[slot] / width;
    for (let k = 0; k < width; k++) tokenScores[token + k] += share;
  }

  let top = 0;
  for (let token = 0; token < tokenCount; token++) top = Math.max(top, tokenScores[token]);
  if (top <= 0) return [];
  const cutoff = top * RELATIVE_CUTOFF;

  // Runs of neighbouring strong tokens, each with the strongest token's score.
  const phrases: Array<{ first: number; last: number; strength: number }> = [];
  for (let token = 0; token < tokenCount; token++) {
    if (tokenScores[token] < cutoff) continue;
    const previous = phrases.at(-1);
    if (previous !== undefined && previous.last === token - 1) {
      previous.last = token;
      previous.strength = Math.max(previous.strength, tokenScores[token]);
    } else phrases.push({ first: token, last: token, strength: tokenScores[token] });
  }
  const strongest = phrases.sort((a, b) => b.strength - a.strength || a.first - b.first).slice(0, maxSpans);
  strongest.sort((a, b) => a.first - b.first);

  const { normalised, tokenStart, tokenEnd, original } = features;
  return strongest.map(({ first, last }) => {
    const start = normalised.start[tokenStart[first]];
    const end = normalised.end[tokenEnd[last] - 1];
    return { start, end, text: original.slice(start, end) };
  });
}

/** A token must carry this share of the strongest token's push to be shown. */
const RELATIVE_CUTOFF = 0.5;
