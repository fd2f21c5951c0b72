import { textFingerprint } from '#app/moderation-engine';
import { maskArtefacts } from './artefacts.js';
import type { LabelledText } from './datasets.js';
import { seededUnit } from './hashing.js';

export type SplitName = 'train' | 'calibration' | 'test';

export interface SplitOptions {
  readonly seed: number;
  /** Share of distinct texts held out for the final metrics. */
  readonly holdout: number;
  /** Share of distinct texts kept apart to fit the calibration and choose thresholds. */
  readonly calibration: number;
}

export interface SplitExamples {
  readonly train: LabelledText[];
  readonly calibration: LabelledText[];
  readonly test: LabelledText[];
  /** Texts dropped as copies of an earlier one (their labels were merged into it). */
  readonly duplicates: number;
}

/**
 * The key two texts share when they say the same thing: the engine's fingerprint (case,
 * punctuation, spacing and evasions folded) of the text with its source artefacts masked, so a
 * retweet ("RT @x: ...") is a copy of its tweet.
 */
export function duplicateKey(text: string): string {
  // A text of punctuation or emoji alone folds to nothing: only its exact copies are copies.
  return textFingerprint(maskArtefacts(text).text) || `exact:${text}`;
}

/**
 * Removes duplicate texts, then puts each distinct text in the train, calibration or test split
 * by a seeded hash of its key: copies cannot leak across splits, and adding data never moves an
 * existing text to another split. Duplicates' labels are merged: a label any copy has as 1 is 1.
 */
export function splitExamples(examples: readonly LabelledText[], options: SplitOptions): SplitExamples {
  const { seed, holdout, calibration } = options;
  if (!(holdout > 0 && calibration > 0 && holdout + calibration < 1)) throw new Error('holdout and calibration must be positive shares that leave some data to train on');
  const byKey = new Map<string, { example: LabelledText; labels: Partial<Record<string, 0 | 1>> }>();
  let duplicates = 0;
  for (const example of examples) {
    const key = duplicateKey(example.text);
    const kept = byKey.get(key);
    if (kept === undefined) {
      byKey.set(key, { example, labels: { ...example.labels } });
      continue;
    }
    duplicates++;
    for (const [label, value] of Object.entries(example.labels)) {
      if (value !== undefined) kept.labels[label] = Math.max(kept.labels[label] ?? 0, value) as 0 | 1;
    }
  }
  const result: SplitExamples = { train: [], calibration: [], test: [], duplicates };
  for (const [key, { example, labels }] of byKey) {
    const unit = seededUnit(seed, key);
    const split: SplitName = unit < holdout ? 'test' : unit < holdout + calibration ? 'calibration' : 'train';
    result[split].push({ text: example.text, source: example.source, labels });
  }
  return result;
}
