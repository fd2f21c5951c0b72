/**
 * Quality measures of one score against binary labels, each example with a weight (1 for a
 * plain count; other weights reweigh a sample to another share of positives, see `priorWeights`).
 */

export interface Confusion {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

export interface ThresholdMetrics extends Confusion {
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ReliabilityBucket {
  /** Scores in [from, to). */
  from: number;
  to: number;
  /** Weighted number of examples. */
  weight: number;
  meanScore: number;
  positiveRate: number;
}

/** Indices of `scores`, highest score first; ties keep index order (deterministic). */
function byScoreDescending(scores: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: scores.length }, (_, k) => k);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order;
}

/** Area under the ROC curve (ties count half): the chance a positive outranks a negative. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const order = byScoreDescending(scores);
  let positivesAbove = 0;
  let area = 0;
  let totalPositive = 0;
  let totalNegative = 0;
  for (let k = 0; k < order.length; ) {
    // One tie group at a time.
    let groupPositive = 0;
    let groupNegative = 0;
    const score = scores[order[k]];
    for (; k < order.length && scores[order[k]] === score; k++) {
      const i = order[k];
      const weight = weights?.[i] ?? 1;
      if (labels[i] === 1) groupPositive += weight;
      else groupNegative += weight;
    }
    area += groupNegative * (positivesAbove + groupPositive / 2);
    positivesAbove += groupPositive;
    totalPositive += groupPositive;
    totalNegative += groupNegative;
  }
  return totalPositive === 0 || totalNegative === 0 ? Number.NaN : area / (totalPositive * totalNegative);
}

/** Area under the precision–recall curve, as average precision (step-wise, ties grouped). */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const order = byScoreDescending(scores);
  let totalPositive = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) totalPositive += weights?.[i] ?? 1;
  if (totalPositive === 0) return Number.NaN;
  let truePositive = 0;
  let flagged = 0;
  let sum = 0;
  for (let k = 0; k < order.length; ) {
    const score = scores[order[k]];
    let groupPositive = 0;
    for (; k < order.length && scores[order[k]] === score; k++) {
      const i = order[k];
      const weight = weights?.[i] ?? 1;
      flagged += weight;
      if (labels[i] === 1) groupPositive += weight;
    }
    truePositive += groupPositive;
    sum += groupPositive * (truePositive / flagged);
  }
  return sum / totalPositive;
}

/** Confusion, precision, recall and F1 when scores at or above `threshold` are flagged. */
export function metricsAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number, weights?: ArrayLike<number>): ThresholdMetrics {
  const confusion: Confusion = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < scores.length; i++) {
    const weight = weights?.[i] ?? 1;
    const flagged = scores[i] >= threshold;
    if (labels[i] === 1) {
      if (flagged) confusion.truePositives += weight;
      else confusion.falseNegatives += weight;
    } else if (flagged) confusion.falsePositives += weight;
    else confusion.trueNegatives += weight;
  }
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = confusion;
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { threshold, ...confusion, precision, recall, f1 };
}

/** Mean squared difference between score and label: 0 is perfect, 0.25 is a coin's. */
export function brierScore(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const weight = weights?.[i] ?? 1;
    sum += weight * (scores[i] - labels[i]) ** 2;
    total += weight;
  }
  return total === 0 ? Number.NaN : sum / total;
}

/** Reliability diagram: in each score bucket, the mean score beside the share of positives. */
export function reliability(scores: ArrayLike<number>, labels: ArrayLike<number>, buckets = 10, weights?: ArrayLike<number>): ReliabilityBucket[] {
  const result: ReliabilityBucket[] = Array.from({ length: buckets }, (_, b) => ({ from: b / buckets, to: (b + 1) / buckets, weight: 0, meanScore: 0, positiveRate: 0 }));
  for (let i = 0; i < scores.length; i++) {
    const bucket = result[Math.min(buckets - 1, Math.floor(scores[i] * buckets))];
    const weight = weights?.[i] ?? 1;
    bucket.weight += weight;
    bucket.meanScore += weight * scores[i];
    bucket.positiveRate += weight * labels[i];
  }
  for (const bucket of result) {
    if (bucket.weight === 0) continue;
    bucket.meanScore /= bucket.weight;
    bucket.positiveRate /= bucket.weight;
  }
  return result;
}

/** Expected calibration error: the weighted mean gap between score and positive rate per bucket. */
export function expectedCalibrationError(buckets: readonly ReliabilityBucket[]): number {
  const total = buckets.reduce((sum, bucket) => sum + bucket.weight, 0);
  return buckets.reduce((sum, bucket) => sum + (bucket.weight / total) * Math.abs(bucket.meanScore - bucket.positiveRate), 0);
}

/**
 * Weights that make positives `prior` of the total weight, keeping the total: precision and F1
 * of a sample then read as they would on a stream where `prior` of the comments are positive.
 */
export function priorWeights(labels: ArrayLike<number>, prior: number, base?: ArrayLike<number>): Float64Array {
  let positive = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const weight = base?.[i] ?? 1;
    total += weight;
    if (labels[i] === 1) positive += weight;
  }
  const weights = new Float64Array(labels.length);
  if (positive === 0 || positive === total) return weights.fill(1);
  const positiveScale = (prior * total) / positive;
  const negativeScale = ((1 - prior) * total) / (total - positive);
  for (let i = 0; i < labels.length; i++) weights[i] = (base?.[i] ?? 1) * (labels[i] === 1 ? positiveScale : negativeScale);
  return weights;
}

/**
 * The threshold with the best F1 among the scores' own values, and the lowest threshold whose
 * precision reaches `precisionTarget` (undefined if none does, with enough flagged weight).
 */
export function chooseThresholds(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  precisionTarget: number,
  weights?: ArrayLike<number>,
): { bestF1: ThresholdMetrics; precise?: ThresholdMetrics } {
  const order = byScoreDescending(scores);
  let totalPositive = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) totalPositive += weights?.[i] ?? 1;
  let truePositive = 0;
  let flagged = 0;
  let bestF1 = -1;
  let bestThreshold = 1;
  let preciseThreshold: number | undefined;
  for (let k = 0; k < order.length; ) {
    const score = scores[order[k]];
    for (; k < order.length && scores[order[k]] === score; k++) {
      const i = order[k];
      const weight = weights?.[i] ?? 1;
      flagged += weight;
      if (labels[i] === 1) truePositive += weight;
    }
    const precision = truePositive / flagged;
    const recall = totalPositive === 0 ? 0 : truePositive / totalPositive;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > bestF1) {
      bestF1 = f1;
      bestThreshold = score;
    }
    // Lowest threshold that is still precise: a precise prefix of a few examples is luck.
    if (precision >= precisionTarget && recall >= 0.05) preciseThreshold = score;
  }
  const precise = preciseThreshold === undefined ? undefined : metricsAt(scores, labels, preciseThreshold, weights);
  return { bestF1: metricsAt(scores, labels, bestThreshold, weights), ...(precise === undefined ? {} : { precise }) };
}
