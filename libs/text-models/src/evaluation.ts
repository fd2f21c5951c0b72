import type { LabelledText } from './datasets.js';
import { Featurizer } from './featurizer.js';
import { calibrated, modelLogits, type LinearModel, type ScoreThresholds } from './linear-model.js';
import {
  averagePrecision,
  brierScore,
  expectedCalibrationError,
  metricsAt,
  priorWeights,
  reliability,
  rocAuc,
  type ReliabilityBucket,
  type ThresholdMetrics,
} from './metrics.js';

/**
 * Weights under which every source counts as much as any other, whatever its size: a score
 * that suits one big source only should not look good. Mean weight 1.
 */
export function equalSourceWeights(sources: readonly string[]): Float64Array {
  const counts = new Map<string, number>();
  for (const source of sources) counts.set(source, (counts.get(source) ?? 0) + 1);
  const perSource = sources.length / counts.size;
  return Float64Array.from(sources, (source) => perSource / (counts.get(source) ?? 1));
}

/** Calibrated probabilities of every label for each text: `scores[head][text]`. */
export function scoreTexts(model: LinearModel, texts: readonly string[], onProgress?: (done: number, total: number) => void): Float64Array[] {
  const featurizer = new Featurizer(model.featurizer);
  const heads = model.labels.length;
  const scores = Array.from({ length: heads }, () => new Float64Array(texts.length));
  const logits = new Float64Array(heads);
  for (let i = 0; i < texts.length; i++) {
    modelLogits(model, featurizer.run(texts[i]), logits);
    for (let head = 0; head < heads; head++) scores[head][i] = calibrated(model.calibration[head], logits[head]);
    if (onProgress !== undefined && ((i + 1) % 2000 === 0 || i + 1 === texts.length)) onProgress(i + 1, texts.length);
  }
  return scores;
}

export interface LabelMetrics {
  examples: number;
  positives: number;
  /** The share of positives precision, F1, Brier and reliability are computed for (reweighted). */
  prior?: number;
  rocAuc: number;
  prAuc: number;
  brier: number;
  expectedCalibrationError: number;
  reliability: ReliabilityBucket[];
  atHold?: ThresholdMetrics;
  atReject?: ThresholdMetrics;
}

/** Fewer positives or negatives than this make a metric noise: it is left out. */
export const MIN_CLASS_EXAMPLES = 10;

/**
 * The metrics of one label's scores: `labels` holds 1, 0 or NaN (unknown, left out). With a
 * prior, positives are reweighted to that share (see `priorWeights`); `base` weighs examples
 * before that (e.g. `equalSourceWeights`).
 */
export function labelMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  thresholds: ScoreThresholds,
  prior?: number,
  base?: ArrayLike<number>,
): LabelMetrics | undefined {
  const known: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!Number.isNaN(labels[i])) known.push(i);
  const knownScores = Float64Array.from(known, (i) => scores[i]);
  const knownLabels = Float64Array.from(known, (i) => labels[i]);
  const knownBase = base === undefined ? undefined : Float64Array.from(known, (i) => base[i]);
  const positives = knownLabels.reduce((sum, label) => sum + label, 0);
  if (positives < MIN_CLASS_EXAMPLES || known.length - positives < MIN_CLASS_EXAMPLES) return undefined;
  const weights = prior === undefined ? knownBase : priorWeights(knownLabels, prior, knownBase);
  const buckets = reliability(knownScores, knownLabels, 10, weights);
  return {
    examples: known.length,
    positives,
    ...(prior === undefined ? {} : { prior }),
    rocAuc: rocAuc(knownScores, knownLabels, weights),
    prAuc: averagePrecision(knownScores, knownLabels, weights),
    brier: brierScore(knownScores, knownLabels, weights),
    expectedCalibrationError: expectedCalibrationError(buckets),
    reliability: buckets,
    ...(thresholds.hold === undefined ? {} : { atHold: metricsAt(knownScores, knownLabels, thresholds.hold, weights) }),
    ...(thresholds.reject === undefined ? {} : { atReject: metricsAt(knownScores, knownLabels, thresholds.reject, weights) }),
  };
}

/** Labels of `examples` for one label name: 1, 0 or NaN. */
export function labelColumn(examples: readonly LabelledText[], label: string): Float64Array {
  return Float64Array.from(examples, (example) => example.labels[label] ?? Number.NaN);
}

export interface EvaluationOptions {
  /** Thresholds per label (default: the model's). */
  readonly thresholds?: Readonly<Record<string, ScoreThresholds>>;
  /** Reweigh to these shares of positives (default: the model's priors); `false` for none. */
  readonly priors?: Readonly<Record<string, number>> | false;
}

export interface ModelEvaluation {
  /** Every example, each source counting equally. */
  readonly overall: Record<string, LabelMetrics>;
  readonly bySource: Record<string, Record<string, LabelMetrics>>;
}

/** Per label, overall and per source: the metrics of `model` on `examples` scored as `scores`. */
export function evaluateScores(model: LinearModel, examples: readonly LabelledText[], scores: readonly Float64Array[], options: EvaluationOptions = {}): ModelEvaluation {
  const thresholds = options.thresholds ?? model.thresholds;
  const priors = options.priors === false ? {} : (options.priors ?? model.priors);
  const sources = [...new Set(examples.map((example) => example.source))].sort();
  const metricsOf = (rows: number[], base?: Float64Array): Record<string, LabelMetrics> => {
    const result: Record<string, LabelMetrics> = {};
    const subset = rows.map((row) => examples[row]);
    model.labels.forEach((label, head) => {
      const metrics = labelMetrics(Float64Array.from(rows, (row) => scores[head][row]), labelColumn(subset, label), thresholds[label] ?? {}, priors[label], base);
      if (metrics !== undefined) result[label] = metrics;
    });
    return result;
  };
  const everyRow = examples.map((_, row) => row);
  const bySource: Record<string, Record<string, LabelMetrics>> = {};
  for (const source of sources) bySource[source] = metricsOf(everyRow.filter((row) => examples[row].source === source));
  return { overall: metricsOf(everyRow, equalSourceWeights(examples.map((example) => example.source))), bySource };
}
