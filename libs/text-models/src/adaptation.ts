import { Featurizer, featurizerKey, type Features } from './featurizer.js';
import { calibrated, modelLogits, type LinearModel } from './linear-model.js';

/**
 * Per-site adaptation: small offsets to a frozen base model's weights, learnt online from one
 * site's moderator decisions. Only the features of decided texts get offsets, so texts unlike
 * anything decided keep the base score; each step is small and pulled back toward zero (L2), and
 * the total shift of a score is capped, so a handful of decisions moves scores but never wildly.
 */
export interface AdaptationOptions {
  /**
   * Step size. The offsets add to the calibrated logit and features are L2-normalised, so one
   * decision moves that same text's calibrated logit by at most this.
   */
  readonly learningRate: number;
  /** Pull of each touched offset back toward zero, per decision. */
  readonly l2: number;
  /** The most the adaptation may move a score's calibrated logit, either way (3: 0.05 → 0.5 at most). */
  readonly maxLogitShift: number;
  /** Offsets kept at most (the weakest go first): bounds the stored size per site. */
  readonly maxFeatures: number;
}

export const DEFAULT_ADAPTATION_OPTIONS: AdaptationOptions = Object.freeze({
  learningRate: 1,
  l2: 0.02,
  maxLogitShift: 3,
  maxFeatures: 20_000,
});

export interface Adaptation {
  readonly task: string;
  /** The featurizer the offsets' indices belong to. */
  readonly featurizerKey: string;
  readonly labels: readonly string[];
  readonly options: AdaptationOptions;
  /** Hashed feature index → offset per label (in `labels` order). Changed only by adaptationUpdate. */
  readonly offsets: Map<number, Float32Array>;
  /**
   * One bit per feature index, set when it has an offset: scoring tests the bit before looking
   * in the map, as most of a comment's features have none.
   */
  readonly present: Uint8Array;
  /** Decisions learnt from. */
  updates: number;
}

export const ADAPTATION_FORMAT = 'threadkeeper-adaptation-v1';

/** An adaptation that does not fit the model, or a stored one that cannot be read. */
export class AdaptationError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'AdaptationError';
  }
}

/** A fresh, empty adaptation of `model` (scores exactly as the base model until updated). */
export function createAdaptation(model: LinearModel, options: Partial<AdaptationOptions> = {}): Adaptation {
  return {
    task: model.task,
    featurizerKey: featurizerKey(model.featurizer),
    labels: [...model.labels],
    options: { ...DEFAULT_ADAPTATION_OPTIONS, ...options },
    offsets: new Map(),
    present: new Uint8Array(2 ** model.featurizer.dimensionBits / 8),
    updates: 0,
  };
}

/** The offsets of feature `index`, or undefined when it has none. */
export function offsetsOf(adaptation: Adaptation, index: number): Float32Array | undefined {
  return (adaptation.present[index >>> 3] & (1 << (index & 7))) === 0 ? undefined : adaptation.offsets.get(index);
}

function setOffsets(adaptation: Adaptation, index: number, offsets: Float32Array): void {
  adaptation.offsets.set(index, offsets);
  adaptation.present[index >>> 3] |= 1 << (index & 7);
}

function deleteOffsets(adaptation: Adaptation, index: number): void {
  adaptation.offsets.delete(index);
  adaptation.present[index >>> 3] &= ~(1 << (index & 7));
}

/** Why `adaptation` cannot be used with `model`, or undefined when it can. */
export function adaptationMismatch(adaptation: Adaptation, model: LinearModel): string | undefined {
  if (adaptation.task !== model.task) return `the adaptation is for task ${adaptation.task}, the model is ${model.task}`;
  if (adaptation.featurizerKey !== featurizerKey(model.featurizer)) return 'the adaptation was made with other featurizer parameters';
  if (adaptation.labels.join() !== model.labels.join()) return 'the adaptation has other labels than the model';
  return undefined;
}

/**
 * The adaptation's shift of each label's calibrated logit for `features`, into `shift`, capped
 * at ±maxLogitShift: the adapted probability is σ(slope · logit + intercept + shift).
 */
export function adaptationShift(adaptation: Adaptation, features: Features, shift: Float64Array): void {
  const heads = adaptation.labels.length;
  shift.fill(0);
  if (adaptation.offsets.size === 0) return;
  const { count, indices, values } = features;
  for (let slot = 0; slot < count; slot++) {
    const offsets = offsetsOf(adaptation, indices[slot]);
    if (offsets === undefined) continue;
    for (let head = 0; head < heads; head++) shift[head] += offsets[head] * values[slot];
  }
  const cap = adaptation.options.maxLogitShift;
  for (let head = 0; head < heads; head++) shift[head] = Math.max(-cap, Math.min(cap, shift[head]));
}

/** One featurizer per parameter set, shared by every adaptation update (they are synchronous). */
const featurizers = new Map<string, Featurizer>();

function featurizerFor(model: LinearModel): Featurizer {
  const key = featurizerKey(model.featurizer);
  let featurizer = featurizers.get(key);
  if (featurizer === undefined) {
    featurizer = new Featurizer(model.featurizer);
    featurizers.set(key, featurizer);
  }
  return featurizer;
}

/**
 * Learns from one moderator decision about `text`: `labels` gives 1 (rejected for that label)
 * or 0 (approved) for the labels it speaks for; other labels are left alone. One SGD step on
 * the calibrated log loss of the adapted score. The base model is never changed.
 *
 * @throws AdaptationError when the adaptation belongs to another model.
 */
export function adaptationUpdate(adaptation: Adaptation, model: LinearModel, text: string, labels: Readonly<Partial<Record<string, 0 | 1>>>): void {
  const mismatch = adaptationMismatch(adaptation, model);
  if (mismatch !== undefined) throw new AdaptationError(mismatch);
  const heads = model.labels.length;
  const features = featurizerFor(model).run(text);
  const logits = new Float64Array(heads);
  const shift = new Float64Array(heads);
  modelLogits(model, features, logits);
  adaptationShift(adaptation, features, shift);

  // Gradient of the log loss with respect to the calibrated logit; 0 for unlabelled heads.
  const gradients = new Float64Array(heads);
  let learns = false;
  model.labels.forEach((label, head) => {
    const target = labels[label];
    if (target === undefined) return;
    gradients[head] = calibrated(model.calibration[head], logits[head], shift[head]) - target;
    learns = true;
  });
  if (!learns) return;

  const { learningRate, l2, maxFeatures } = adaptation.options;
  const { count, indices, values } = features;
  for (let slot = 0; slot < count; slot++) {
    let offsets = offsetsOf(adaptation, indices[slot]);
    if (offsets === undefined) {
      offsets = new Float32Array(heads);
      setOffsets(adaptation, indices[slot], offsets);
    }
    for (let head = 0; head < heads; head++) {
      if (gradients[head] === 0) continue;
      offsets[head] -= learningRate * (gradients[head] * values[slot] + l2 * offsets[head]);
    }
  }
  adaptation.updates++;
  if (adaptation.offsets.size > maxFeatures) keepStrongest(adaptation, maxFeatures);
}

function strength(offsets: Float32Array): number {
  let largest = 0;
  for (const offset of offsets) largest = Math.max(largest, Math.abs(offset));
  return largest;
}

/** Drops all but the `keep` offsets of largest magnitude (ties: lower index kept). */
function keepStrongest(adaptation: Adaptation, keep: number): void {
  const ranked = [...adaptation.offsets].sort(([indexA, a], [indexB, b]) => strength(b) - strength(a) || indexA - indexB);
  for (const [index] of ranked.slice(keep)) deleteOffsets(adaptation, index);
}

interface StoredAdaptation {
  format: typeof ADAPTATION_FORMAT;
  task: string;
  featurizerKey: string;
  labels: string[];
  options: AdaptationOptions;
  updates: number;
  /** Base64 of the feature indices (int32, ascending). */
  indices: string;
  /** Base64 of the offsets (float32, labels per index, in index order). */
  offsets: string;
}

function base64Of(array: Int32Array | Float32Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

/** Compact JSON of the adaptation: only touched features, as packed binary. Deterministic. */
export function serializeAdaptation(adaptation: Adaptation): string {
  const heads = adaptation.labels.length;
  const indices = Int32Array.from(adaptation.offsets.keys()).sort();
  const offsets = new Float32Array(indices.length * heads);
  indices.forEach((index, k) => offsets.set(adaptation.offsets.get(index) ?? new Float32Array(heads), k * heads));
  const stored: StoredAdaptation = {
    format: ADAPTATION_FORMAT,
    task: adaptation.task,
    featurizerKey: adaptation.featurizerKey,
    labels: [...adaptation.labels],
    options: { ...adaptation.options },
    updates: adaptation.updates,
    indices: base64Of(indices),
    offsets: base64Of(offsets),
  };
  return JSON.stringify(stored);
}

/**
 * Reads a stored adaptation back, checking that it belongs to `model`.
 *
 * @throws AdaptationError when it is not a stored adaptation, is damaged, or belongs to another
 *   model (another task, featurizer or label set): start a fresh one with createAdaptation.
 */
export function deserializeAdaptation(serialized: string, model: LinearModel): Adaptation {
  let stored: Partial<StoredAdaptation>;
  try {
    stored = JSON.parse(serialized) as Partial<StoredAdaptation>;
  } catch {
    throw new AdaptationError('the stored adaptation is not JSON');
  }
  if (stored?.format !== ADAPTATION_FORMAT) throw new AdaptationError(`the stored adaptation is not in format ${ADAPTATION_FORMAT}`);
  const { task, featurizerKey: key, labels, options, updates, indices: packedIndices, offsets: packedOffsets } = stored;
  if (typeof task !== 'string' || typeof key !== 'string' || !Array.isArray(labels) || typeof packedIndices !== 'string' || typeof packedOffsets !== 'string') {
    throw new AdaptationError('the stored adaptation misses fields');
  }
  const adaptation: Adaptation = { ...createAdaptation(model, options), task, featurizerKey: key, labels, updates: Number(updates) || 0 };
  const mismatch = adaptationMismatch(adaptation, model);
  if (mismatch !== undefined) throw new AdaptationError(mismatch);
  const indexBytes = Buffer.from(packedIndices, 'base64');
  const offsetBytes = Buffer.from(packedOffsets, 'base64');
  const heads = labels.length;
  if (indexBytes.length % 4 !== 0 || offsetBytes.length !== indexBytes.length * heads) throw new AdaptationError('the stored adaptation is damaged (sizes do not match)');
  // Copies: Buffer memory may be pooled and unaligned.
  const indices = new Int32Array(new Uint8Array(indexBytes).buffer);
  const offsets = new Float32Array(new Uint8Array(offsetBytes).buffer);
  const dimension = 2 ** model.featurizer.dimensionBits;
  indices.forEach((index, k) => {
    if (index < 0 || index >= dimension) throw new AdaptationError('the stored adaptation is damaged (index out of range)');
    const row = offsets.slice(k * heads, (k + 1) * heads);
    if (!row.every(Number.isFinite)) throw new AdaptationError('the stored adaptation is damaged (offset not finite)');
    setOffsets(adaptation, index, row);
  });
  return adaptation;
}
