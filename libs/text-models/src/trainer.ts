import { seededRandom, shuffleInPlace } from './hashing.js';
import { addDotProducts, sigmoid, type SparseVector } from './linear-model.js';

/** Feature vectors of many texts, one row after another (compressed sparse rows). */
export class FeatureMatrix {
  rows = 0;
  /** Row r is entries [rowStart[r], rowStart[r + 1]). */
  rowStart = new Int32Array(1025);
  indices = new Int32Array(1 << 16);
  values = new Float32Array(1 << 16);

  append(vector: SparseVector): void {
    const from = this.rowStart[this.rows];
    const to = from + vector.count;
    if (to > this.indices.length) {
      const capacity = Math.max(to, this.indices.length * 2);
      const indices = new Int32Array(capacity);
      const values = new Float32Array(capacity);
      indices.set(this.indices.subarray(0, from));
      values.set(this.values.subarray(0, from));
      this.indices = indices;
      this.values = values;
    }
    if (this.rows + 2 > this.rowStart.length) {
      const rowStart = new Int32Array(this.rowStart.length * 2);
      rowStart.set(this.rowStart);
      this.rowStart = rowStart;
    }
    this.indices.set(vector.indices.subarray(0, vector.count), from);
    this.values.set(vector.values.subarray(0, vector.count), from);
    this.rows++;
    this.rowStart[this.rows] = to;
  }

  get entries(): number {
    return this.rowStart[this.rows];
  }
}

/** What to learn: a label and a weight per row and head. */
export interface TrainingTargets {
  readonly heads: number;
  /** rows × heads: 1, 0, or NaN where the row says nothing about the head. */
  readonly labels: Float32Array;
  /** rows × heads: how much the row counts for the head (source and class balance). */
  readonly weights: Float32Array;
}

export interface TrainerOptions {
  /** Length of the hashed feature space. */
  readonly dimension: number;
  readonly epochs: number;
  /** AdaGrad's base step. */
  readonly learningRate: number;
  /** L2 penalty, applied to a weight whenever its feature occurs. */
  readonly l2: number;
  /** Seeds the order of examples in every epoch. */
  readonly seed: number;
  readonly onProgress?: (progress: TrainerProgress) => void;
}

export interface TrainerProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Rows done in this epoch, of `rows`. */
  readonly done: number;
  readonly rows: number;
  /** Mean weighted log loss over the rows done in this epoch, before their updates. */
  readonly loss: number;
}

/** How many rows between progress reports. */
const PROGRESS_EVERY = 4096;

/**
 * Multi-head logistic regression by stochastic gradient descent with AdaGrad step sizes (each
 * weight's step shrinks with the gradients it has seen: rare n-grams keep learning while common
 * ones settle) and L2 regularisation. All heads share one pass over the features of a row.
 * Deterministic: the same inputs and seed give the same weights, bit for bit.
 */
export function trainLogisticHeads(
  matrix: FeatureMatrix,
  targets: TrainingTargets,
  rows: Int32Array,
  options: TrainerOptions,
): { weights: Float32Array; bias: Float64Array } {
  const { heads, labels, weights: rowWeights } = targets;
  const { dimension, epochs, learningRate, l2, onProgress } = options;
  const weights = new Float32Array(dimension * heads);
  const squaredGradients = new Float32Array(dimension * heads);
  const bias = new Float64Array(heads);
  const biasSquaredGradients = new Float64Array(heads);
  const logits = new Float64Array(heads);
  const gradients = new Float64Array(heads);
  const order = rows.slice();
  const random = seededRandom(options.seed);
  const { rowStart, indices, values } = matrix;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInPlace(order, random);
    let lossSum = 0;
    let weightSum = 0;
    for (let k = 0; k < order.length; k++) {
      const row = order[k];
      const from = rowStart[row];
      const to = rowStart[row + 1];
      logits.set(bias);
      addDotProducts(weights, heads, indices, values, from, to, logits);

      let anyGradient = false;
      for (let head = 0; head < heads; head++) {
        const label = labels[row * heads + head];
        const weight = rowWeights[row * heads + head];
        if (Number.isNaN(label) || weight === 0) {
          gradients[head] = 0;
          continue;
        }
        const probability = sigmoid(logits[head]);
        gradients[head] = weight * (probability - label);
        lossSum -= weight * Math.log(Math.max(1e-12, label === 1 ? probability : 1 - probability));
        weightSum += weight;
        anyGradient = true;
        const biasGradient = gradients[head];
        biasSquaredGradients[head] += biasGradient * biasGradient;
        bias[head] -= (learningRate * biasGradient) / Math.sqrt(biasSquaredGradients[head] + 1e-8);
      }

      if (anyGradient) {
        for (let entry = from; entry < to; entry++) {
          const base = indices[entry] * heads;
          const value = values[entry];
          for (let head = 0; head < heads; head++) {
            const gradient = gradients[head];
            if (gradient === 0) continue;
            const at = base + head;
            const step = gradient * value + l2 * weights[at];
            squaredGradients[at] += step * step;
            weights[at] -= (learningRate * step) / Math.sqrt(squaredGradients[at] + 1e-8);
          }
        }
      }

      if (onProgress !== undefined && ((k + 1) % PROGRESS_EVERY === 0 || k + 1 === order.length)) {
        onProgress({ epoch, epochs, done: k + 1, rows: order.length, loss: weightSum === 0 ? 0 : lossSum / weightSum });
      }
    }
  }
  return { weights, bias };
}
