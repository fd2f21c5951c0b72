import { featurizerParamsProblem, type FeaturizerParams } from './featurizer.js';
import { hashString } from './hashing.js';
import type { LinearModel, PlattCalibration, ScoreThresholds } from './linear-model.js';

export const MODEL_FORMAT = 'threadkeeper-linear-v1';

/**
 * Weights are stored as one signed byte each, on a square-root scale per head
 * (w = scale · sign(q) · (q / 127)²): the many small weights keep their precision, which a
 * linear byte scale would round to zero. The model file stays a quarter of float32 size.
 */
const WEIGHT_ENCODING = 'int8-sqrt';
const QUANT_STEPS = 127;

/** The JSON of a model file (see README.md, "File format"). */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  task: string;
  version: number;
  labels: string[];
  featurizer: FeaturizerParams;
  weights: {
    encoding: typeof WEIGHT_ENCODING;
    /** Per head: the largest absolute weight. */
    scales: number[];
    /** Base64 of dimension × heads signed bytes, feature-major. */
    data: string;
    /** FNV-1a of `data`, hex: a truncated or altered file fails to load. */
    checksum: string;
  };
  bias: number[];
  calibration: Array<{ method: 'platt'; slope: number; intercept: number }>;
  thresholds: Record<string, ScoreThresholds>;
  priors: Record<string, number>;
  trainedAt: string;
  card: Record<string, unknown>;
}

/** A model file that cannot be used, with what is wrong with it. */
export class ModelFileError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: not a usable ${MODEL_FORMAT} model file: ${problem}`);
    this.name = 'ModelFileError';
  }
}

function checksumOf(data: string): string {
  return hashString(data, 0).toString(16).padStart(8, '0');
}

function quantise(weights: Float32Array, heads: number): { scales: number[]; bytes: Int8Array } {
  const scales = new Array<number>(heads).fill(0);
  for (let k = 0; k < weights.length; k++) scales[k % heads] = Math.max(scales[k % heads], Math.abs(weights[k]));
  const bytes = new Int8Array(weights.length);
  for (let k = 0; k < weights.length; k++) {
    const scale = scales[k % heads];
    if (scale === 0) continue;
    const magnitude = Math.round(QUANT_STEPS * Math.sqrt(Math.abs(weights[k]) / scale));
    bytes[k] = weights[k] < 0 ? -magnitude : magnitude;
  }
  return { scales, bytes };
}

function dequantise(bytes: Int8Array, scales: readonly number[]): Float32Array {
  const heads = scales.length;
  const weights = new Float32Array(bytes.length);
  for (let k = 0; k < bytes.length; k++) {
    const step = bytes[k] / QUANT_STEPS;
    weights[k] = scales[k % heads] * step * Math.abs(step);
  }
  return weights;
}

/** The model as the JSON text of a model file. Deterministic: same model, same bytes. */
export function serializeModel(model: LinearModel): string {
  const heads = model.labels.length;
  const { scales, bytes } = quantise(model.weights, heads);
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const file: ModelFile = {
    format: MODEL_FORMAT,
    task: model.task,
    version: model.version,
    labels: [...model.labels],
    featurizer: { ...model.featurizer },
    weights: { encoding: WEIGHT_ENCODING, scales, data, checksum: checksumOf(data) },
    bias: [...model.bias],
    calibration: model.calibration.map(({ slope, intercept }) => ({ method: 'platt', slope, intercept })),
    thresholds: { ...model.thresholds },
    priors: { ...model.priors },
    trainedAt: model.trainedAt,
    card: { ...model.card },
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Reads fields of a parsed file, throwing a ModelFileError that names the bad one. */
class FieldReader {
  constructor(private readonly source: string) {}

  fail(problem: string): never {
    throw new ModelFileError(this.source, problem);
  }

  object(value: unknown, field: string): JsonObject {
    return isObject(value) ? value : this.fail(`${field} must be an object`);
  }

  string(value: unknown, field: string): string {
    return typeof value === 'string' && value !== '' ? value : this.fail(`${field} must be a non-empty string`);
  }

  numbers(value: unknown, field: string, length: number): number[] {
    if (!Array.isArray(value) || value.length !== length || !value.every(isFiniteNumber)) {
      this.fail(`${field} must be an array of ${length} finite numbers`);
    }
    return value as number[];
  }

  probability(value: unknown, field: string): number {
    return isFiniteNumber(value) && value >= 0 && value <= 1 ? value : this.fail(`${field} must be a number from 0 to 1`);
  }
}

/**
 * Validates and loads a model file (its JSON text, or the parsed object). `source` names it in
 * errors (a path).
 *
 * @throws ModelFileError saying what is wrong: not JSON, another format, a missing or bad field,
 *   weights of the wrong size or a checksum mismatch (a truncated or altered file).
 */
export function loadModel(json: string | unknown, source = 'model'): LinearModel {
  const read: FieldReader = new FieldReader(source);
  let parsed: unknown = json;
  if (typeof json === 'string') {
    try {
      parsed = JSON.parse(json);
    } catch (error) {
      read.fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const file = read.object(parsed, 'the file');
  if (file.format !== MODEL_FORMAT) read.fail(`format is ${JSON.stringify(file.format)}, expected "${MODEL_FORMAT}"`);
  const task = read.string(file.task, 'task');
  if (!Number.isInteger(file.version) || (file.version as number) < 1) read.fail('version must be a positive integer');
  const labels = file.labels;
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((label) => typeof label === 'string' && label !== '')) {
    read.fail('labels must be a non-empty array of names');
  }
  if (new Set(labels).size !== labels.length) read.fail('labels must be distinct');
  const heads = labels.length;

  const featurizer = read.object(file.featurizer, 'featurizer') as unknown as FeaturizerParams;
  const featurizerProblem = featurizerParamsProblem(featurizer);
  if (featurizerProblem !== undefined) read.fail(`featurizer: ${featurizerProblem}`);

  const weights = read.object(file.weights, 'weights');
  if (weights.encoding !== WEIGHT_ENCODING) read.fail(`weights.encoding must be "${WEIGHT_ENCODING}"`);
  const scales = read.numbers(weights.scales, 'weights.scales', heads);
  const data = read.string(weights.data, 'weights.data');
  if (weights.checksum !== checksumOf(data)) read.fail('weights.checksum does not match weights.data (truncated or altered file)');
  const expectedBytes = 2 ** featurizer.dimensionBits * heads;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length !== expectedBytes) read.fail(`weights.data holds ${bytes.length} bytes, expected ${expectedBytes} (2^${featurizer.dimensionBits} × ${heads} heads)`);

  const bias = read.numbers(file.bias, 'bias', heads);
  if (!Array.isArray(file.calibration) || file.calibration.length !== heads) read.fail(`calibration must have ${heads} entries`);
  const calibration: PlattCalibration[] = file.calibration.map((entry: unknown, head: number) => {
    const { method, slope, intercept } = read.object(entry, `calibration[${head}]`);
    if (method !== 'platt' || !isFiniteNumber(slope) || !isFiniteNumber(intercept)) read.fail(`calibration[${head}] must be {method:"platt", slope, intercept}`);
    return { slope, intercept };
  });

  const thresholds: Record<string, ScoreThresholds> = {};
  for (const [label, value] of Object.entries(read.object(file.thresholds ?? {}, 'thresholds'))) {
    const { hold, reject } = read.object(value, `thresholds.${label}`);
    thresholds[label] = {
      ...(hold === undefined ? {} : { hold: read.probability(hold, `thresholds.${label}.hold`) }),
      ...(reject === undefined ? {} : { reject: read.probability(reject, `thresholds.${label}.reject`) }),
    };
  }
  const priors: Record<string, number> = {};
  for (const [label, value] of Object.entries(read.object(file.priors ?? {}, 'priors'))) priors[label] = read.probability(value, `priors.${label}`);

  return {
    task,
    version: file.version as number,
    labels: Object.freeze([...(labels as string[])]),
    featurizer: Object.freeze({ ...featurizer }),
    weights: dequantise(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), scales),
    bias: Float64Array.from(bias),
    calibration,
    thresholds,
    priors,
    trainedAt: read.string(file.trainedAt, 'trainedAt'),
    card: isObject(file.card) ? file.card : {},
  };
}
