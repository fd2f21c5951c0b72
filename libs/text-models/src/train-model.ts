import { fitPlatt } from './calibration.js';
import type { LabelledText } from './datasets.js';
import { equalSourceWeights, labelColumn } from './evaluation.js';
import { DEFAULT_FEATURIZER_PARAMS, Featurizer, type FeaturizerParams } from './featurizer.js';
import { calibrated, modelLogits, type LinearModel, type PlattCalibration, type ScoreThresholds } from './linear-model.js';
import { chooseThresholds, priorWeights } from './metrics.js';
import { splitExamples, type SplitExamples } from './split.js';
import { FeatureMatrix, trainLogisticHeads, type TrainerProgress } from './trainer.js';

export interface TrainingHyperparameters {
  readonly featurizer: FeaturizerParams;
  readonly epochs: number;
  readonly learningRate: number;
  readonly l2: number;
  /**
   * How far to even out positives and negatives within each source, per label: 0 leaves them
   * as they are, 1 gives both classes equal weight (rare labels such as threat need some).
   */
  readonly classBalance: number;
  /** Multiplies a source's weight; every source otherwise weighs the same in total. */
  readonly sourceWeights: Readonly<Record<string, number>>;
  /** Precision the reject threshold must reach on the calibration split. */
  readonly rejectPrecision: number;
  /**
   * A label is learnt only with at least this many positive and negative training texts: from
   * fewer, a head fits a handful of phrases and its calibration is a guess (threat, with 53
   * positives in the shared data, was confidently wrong on ordinary comments).
   */
  readonly minExamplesPerClass: number;
}

export const DEFAULT_HYPERPARAMETERS: TrainingHyperparameters = Object.freeze({
  featurizer: DEFAULT_FEATURIZER_PARAMS,
  epochs: 6,
  learningRate: 0.2,
  l2: 1e-5,
  classBalance: 1,
  sourceWeights: {},
  rejectPrecision: 0.9,
  minExamplesPerClass: 100,
});

export interface TrainModelOptions {
  readonly task: string;
  readonly labels: readonly string[];
  readonly version: number;
  readonly seed: number;
  readonly holdout: number;
  readonly calibration: number;
  /** Per label, the share of positives in the stream the probabilities are calibrated for. */
  readonly priors: Readonly<Record<string, number>>;
  readonly hyperparameters?: Partial<TrainingHyperparameters>;
  /** ISO date stored in the file; passed in, so the same inputs give the same bytes. */
  readonly trainedAt: string;
  readonly card?: Readonly<Record<string, unknown>>;
  readonly onProgress?: (progress: TrainingProgress) => void;
}

export type TrainingProgress =
  | { readonly stage: 'featurize'; readonly done: number; readonly total: number }
  | ({ readonly stage: 'train' } & TrainerProgress);

export interface TrainedModel {
  readonly model: LinearModel;
  /** Labels asked for but left out of the model, with why: too few positive or negative examples. */
  readonly droppedLabels: Readonly<Record<string, string>>;
  readonly splits: SplitExamples;
  readonly hyperparameters: TrainingHyperparameters;
}

/** [negatives, positives] of a label among the examples. */
function classCounts(examples: readonly LabelledText[], label: string): [number, number] {
  const counts: [number, number] = [0, 0];
  for (const example of examples) {
    const value = example.labels[label];
    if (value !== undefined) counts[value]++;
  }
  return counts;
}

/** Rounded to hundredths, as a policy would state it. */
const asThreshold = (score: number): number => Math.min(0.99, Math.max(0.01, Math.round(score * 100) / 100));

/**
 * Per row and label, the training weight: every source weighs the same in total (times its
 * `sourceWeights` factor), and within a source the classes are evened out by `classBalance`.
 */
function trainingWeights(examples: readonly LabelledText[], labels: readonly string[], hyper: TrainingHyperparameters): { targets: Float32Array; weights: Float32Array } {
  const heads = labels.length;
  const targets = new Float32Array(examples.length * heads).fill(Number.NaN);
  const weights = new Float32Array(examples.length * heads);
  labels.forEach((label, head) => {
    // Per source: [negatives, positives].
    const counts = new Map<string, [number, number]>();
    for (const example of examples) {
      const value = example.labels[label];
      if (value === undefined) continue;
      const count = counts.get(example.source) ?? [0, 0];
      count[value]++;
      counts.set(example.source, count);
    }
    const known = [...counts.values()].reduce((sum, [negatives, positives]) => sum + negatives + positives, 0);
    const classWeights = new Map<string, [number, number]>();
    for (const [source, [negatives, positives]] of counts) {
      const total = negatives + positives;
      const share = (known / counts.size) * (hyper.sourceWeights[source] ?? 1);
      const raw = [negatives, positives].map((n) => (n === 0 ? 0 : (total / (2 * n)) ** hyper.classBalance));
      const rawTotal = raw[0] * negatives + raw[1] * positives;
      classWeights.set(source, [(raw[0] * share) / rawTotal, (raw[1] * share) / rawTotal]);
    }
    examples.forEach((example, row) => {
      const value = example.labels[label];
      if (value === undefined) return;
      targets[row * heads + head] = value;
      weights[row * heads + head] = classWeights.get(example.source)?.[value] ?? 0;
    });
  });
  return { targets, weights };
}

/**
 * Trains a model end to end: deduplicates and splits the examples, featurizes, trains the
 * logistic heads on the train split, fits each head's Platt calibration on the calibration split
 * (each source counting equally, positives reweighted to the label's prior) and chooses each
 * label's thresholds there: hold where F1 is best, reject where precision reaches
 * `rejectPrecision`. The test split is left untouched for the caller to measure.
 */
export function trainTextModel(examples: readonly LabelledText[], options: TrainModelOptions): TrainedModel {
  const hyper: TrainingHyperparameters = { ...DEFAULT_HYPERPARAMETERS, ...options.hyperparameters };
  const { onProgress } = options;
  const splits = splitExamples(examples, options);
  const droppedLabels: Record<string, string> = {};
  for (const label of options.labels) {
    const [negatives, positives] = classCounts(splits.train, label);
    const [calibrationNegatives, calibrationPositives] = classCounts(splits.calibration, label);
    if (Math.min(negatives, positives) < hyper.minExamplesPerClass) {
      droppedLabels[label] = `${positives} positive and ${negatives} negative training texts, fewer than ${hyper.minExamplesPerClass}`;
    } else if (calibrationNegatives === 0 || calibrationPositives === 0) droppedLabels[label] = 'the calibration split lacks a class';
  }
  const labels = options.labels.filter((label) => droppedLabels[label] === undefined);
  if (labels.length === 0) throw new Error(`No label has enough examples: ${JSON.stringify(droppedLabels)}`);
  const heads = labels.length;
  const featurizer = new Featurizer(hyper.featurizer);

  const fitting = [...splits.train, ...splits.calibration];
  const matrix = new FeatureMatrix();
  fitting.forEach((example, row) => {
    matrix.append(featurizer.run(example.text));
    if (onProgress !== undefined && ((row + 1) % 2000 === 0 || row + 1 === fitting.length)) onProgress({ stage: 'featurize', done: row + 1, total: fitting.length });
  });

  const trainRows = Int32Array.from(splits.train, (_, row) => row);
  const { targets, weights: rowWeights } = trainingWeights(fitting, labels, hyper);
  const { weights, bias } = trainLogisticHeads(matrix, { heads, labels: targets, weights: rowWeights }, trainRows, {
    dimension: featurizer.dimension,
    epochs: hyper.epochs,
    learningRate: hyper.learningRate,
    l2: hyper.l2,
    seed: options.seed,
    ...(onProgress === undefined ? {} : { onProgress: (progress: TrainerProgress) => onProgress({ stage: 'train', ...progress }) }),
  });

  const uncalibrated: LinearModel = {
    task: options.task,
    version: options.version,
    labels,
    featurizer: hyper.featurizer,
    weights,
    bias,
    calibration: labels.map(() => ({ slope: 1, intercept: 0 })),
    thresholds: {},
    priors: Object.fromEntries(labels.filter((label) => options.priors[label] !== undefined).map((label) => [label, options.priors[label]])),
    trainedAt: options.trainedAt,
    card: options.card ?? {},
  };

  // Calibration and thresholds, on rows the weights never saw.
  const calibrationRows = fitting.slice(splits.train.length);
  const logits = Array.from({ length: heads }, () => new Float64Array(calibrationRows.length));
  const rowLogits = new Float64Array(heads);
  calibrationRows.forEach((_, k) => {
    const row = splits.train.length + k;
    const from = matrix.rowStart[row];
    const count = matrix.rowStart[row + 1] - from;
    modelLogits(uncalibrated, { count, indices: matrix.indices.subarray(from), values: matrix.values.subarray(from) }, rowLogits);
    for (let head = 0; head < heads; head++) logits[head][k] = rowLogits[head];
  });
  const sourceWeights = equalSourceWeights(calibrationRows.map((example) => example.source));
  const calibration: PlattCalibration[] = [];
  const thresholds: Record<string, ScoreThresholds> = {};
  labels.forEach((label, head) => {
    const column = labelColumn(calibrationRows, label);
    const known = [...column.keys()].filter((k) => !Number.isNaN(column[k]));
    const knownLabels = Float64Array.from(known, (k) => column[k]);
    const knownLogits = Float64Array.from(known, (k) => logits[head][k]);
    const prior = options.priors[label];
    const base = Float64Array.from(known, (k) => sourceWeights[k]);
    const weightsForPrior = prior === undefined ? base : priorWeights(knownLabels, prior, base);
    const platt = fitPlatt(knownLogits, knownLabels, weightsForPrior);
    calibration.push(platt);
    const probabilities = knownLogits.map((logit) => calibrated(platt, logit));
    const { bestF1, precise } = chooseThresholds(probabilities, knownLabels, hyper.rejectPrecision, weightsForPrior);
    const hold = asThreshold(bestF1.threshold);
    const reject = precise === undefined ? undefined : asThreshold(precise.threshold);
    thresholds[label] = reject === undefined || reject <= hold ? { hold } : { hold, reject };
  });

  return { model: { ...uncalibrated, calibration, thresholds }, droppedLabels, splits, hyperparameters: hyper };
}
