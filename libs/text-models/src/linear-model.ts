import type { FeaturizerParams } from './featurizer.js';

/** Platt scaling of one head: probability = σ(slope · logit + intercept). */
export interface PlattCalibration {
  readonly slope: number;
  readonly intercept: number;
}

/** Hold and reject thresholds of one score, as a site policy states them. */
export interface ScoreThresholds {
  readonly hold?: number;
  readonly reject?: number;
}

/** The tasks the built-in models are trained for, and the score names each produces. */
export const TASK_LABELS = {
  toxicity: ['toxicity', 'insult', 'identity_attack', 'threat', 'profanity'],
  spam: ['spam'],
} as const satisfies Record<string, readonly string[]>;

export type Task = keyof typeof TASK_LABELS;

/**
 * Per label, the share of positives in a natural stream of news comments, which probabilities
 * are calibrated for: about 8% of comments are toxic (Jigsaw's unsampled rate is near 10%, Civil
 * Comments' near 8%), fewer insulting, obscene, identity-attacking or threatening ones; a few
 * percent are spam. A site whose stream differs retrains with its own priors.
 */
export const DEFAULT_PRIORS: Readonly<Record<Task, Readonly<Record<string, number>>>> = {
  toxicity: { toxicity: 0.08, insult: 0.05, profanity: 0.04, identity_attack: 0.01, threat: 0.005 },
  spam: { spam: 0.05 },
};

export function isTask(name: string): name is Task {
  return Object.hasOwn(TASK_LABELS, name);
}

/**
 * A trained model in memory: one logistic-regression head per label over the same hashed
 * features. Weights are feature-major (`weights[feature * heads + head]`) so that scoring reads
 * each feature's heads from one cache line.
 */
export interface LinearModel {
  readonly task: string;
  readonly version: number;
  readonly labels: readonly string[];
  readonly featurizer: FeaturizerParams;
  readonly weights: Float32Array;
  readonly bias: Float64Array;
  readonly calibration: readonly PlattCalibration[];
  /** The thresholds the training chose for each label (F1-best hold, precise reject). */
  readonly thresholds: Readonly<Record<string, ScoreThresholds>>;
  /** The share of positives each label's probabilities are calibrated for (a natural stream). */
  readonly priors: Readonly<Record<string, number>>;
  readonly trainedAt: string;
  /** Free-form facts for people: data, metrics, hyper-parameters, limitations. */
  readonly card: Readonly<Record<string, unknown>>;
}

/** A sparse feature vector: `count` hashed indices and their values. */
export interface SparseVector {
  readonly count: number;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** Adds each head's weighted sum over entries [from, to) of `indices`/`values` into `out`. */
export function addDotProducts(
  weights: Float32Array,
  heads: number,
  indices: Int32Array,
  values: Float32Array,
  from: number,
  to: number,
  out: Float64Array,
): void {
  if (heads === 1) {
    let sum = 0;
    for (let k = from; k < to; k++) sum += weights[indices[k]] * values[k];
    out[0] += sum;
    return;
  }
  for (let k = from; k < to; k++) {
    const base = indices[k] * heads;
    const value = values[k];
    for (let head = 0; head < heads; head++) out[head] += weights[base + head] * value;
  }
}

/** The raw (uncalibrated) logit of every head for `vector`, into `out`. */
export function modelLogits(model: LinearModel, vector: SparseVector, out: Float64Array): void {
  out.set(model.bias);
  addDotProducts(model.weights, model.labels.length, vector.indices, vector.values, 0, vector.count, out);
}

export function sigmoid(logit: number): number {
  return 1 / (1 + Math.exp(-logit));
}

/** The calibrated probability of a head's raw logit, its calibrated logit moved by `shift` (a site's adaptation). */
export function calibrated(calibration: PlattCalibration, logit: number, shift = 0): number {
  return sigmoid(calibration.slope * logit + calibration.intercept + shift);
}
