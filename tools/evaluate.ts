/**
 * Measures a model file on labelled data: ROC AUC, PR AUC, precision, recall and F1 at the hold
 * and reject thresholds, the confusion matrices, and the time per comment.
 *
 *   npm run evaluate -- --model models/toxicity-v1.json --data decisions.csv [--hold 0.5] [--reject 0.9]
 */
import { readFileSync } from 'node:fs';
import { normalise, type CommentInput } from '#app/moderation-engine';
import {
  DATASET_FORMATS_HELP,
  createModelScorer,
  evaluateScores,
  isTask,
  loadModel,
  type LabelMetrics,
  type LinearModel,
  type ScoreThresholds,
  type ThresholdMetrics,
} from '#app/text-models';
import { Progress, UsageError, fixed, log, metricsTable, optionsHelp, parseArguments, readDataFiles, reliabilityTable, type OptionSpec } from './model-tool-support.js';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  model: { kind: 'value', help: 'the model file (models/<task>-v<version>.json)' },
  data: { kind: 'list', help: 'labelled data files or folders of them (formats below)' },
  hold: { kind: 'list', help: 'hold threshold: a number for every label, or label=number pairs', default: "the model's recommended ones" },
  reject: { kind: 'list', help: 'reject threshold, like --hold', default: "the model's recommended ones" },
  prior: {
    kind: 'list',
    help: 'reweigh positives to this share before precision/F1: "model" for the priors the model is calibrated for, or label=share pairs',
    default: 'none: the data as it is (right for a site\'s own decisions)',
  },
  help: { kind: 'flag', help: 'this text' },
};

const USAGE = `Usage: npm run evaluate -- --model <model file> --data <files or folders...> [options]

Options:
${optionsHelp(OPTIONS)}

${DATASET_FORMATS_HELP}`;

/** Thresholds from --hold/--reject over the model's own. */
function thresholdsFrom(model: LinearModel, options: Map<string, string[]>): Record<string, ScoreThresholds> {
  const thresholds: Record<string, ScoreThresholds> = Object.fromEntries(model.labels.map((label) => [label, { ...model.thresholds[label] }]));
  for (const bound of ['hold', 'reject'] as const) {
    for (const raw of options.get(bound) ?? []) {
      const [first, second] = raw.split('=');
      const [labels, value] = second === undefined ? [model.labels, Number(first)] : [[first], Number(second)];
      if (!(value >= 0 && value <= 1)) throw new UsageError(`--${bound} takes a number from 0 to 1 or label=number, got ${raw}`);
      for (const label of labels) {
        if (!model.labels.includes(label)) throw new UsageError(`--${bound}: the model has no label ${label}`);
        thresholds[label] = { ...thresholds[label], [bound]: value };
      }
    }
  }
  return thresholds;
}

function priorsFrom(model: LinearModel, options: Map<string, string[]>): Record<string, number> | false {
  const raw = options.get('prior');
  if (raw === undefined) return false;
  if (raw.length === 1 && raw[0] === 'model') return { ...model.priors };
  const priors: Record<string, number> = {};
  for (const pair of raw) {
    const [label, share] = pair.split('=');
    const value = Number(share);
    if (!model.labels.includes(label) || !(value > 0 && value < 1)) throw new UsageError(`--prior takes "model" or label=share pairs with a label of the model, got ${pair}`);
    priors[label] = value;
  }
  return priors;
}

function confusionMatrix(point: ThresholdMetrics, bound: string): string {
  const count = (value: number): string => value.toFixed(Number.isInteger(value) ? 0 : 1).padStart(12);
  return [
    `  at ${bound} ${point.threshold}:        flagged     not flagged`,
    `    labelled positive ${count(point.truePositives)} ${count(point.falseNegatives)}`,
    `    labelled negative ${count(point.falsePositives)} ${count(point.trueNegatives)}`,
  ].join('\n');
}

function describeLabel(label: string, metrics: LabelMetrics): string {
  const lines = [`${label}:`];
  if (metrics.atHold !== undefined) lines.push(confusionMatrix(metrics.atHold, 'hold'));
  if (metrics.atReject !== undefined) lines.push(confusionMatrix(metrics.atReject, 'reject'));
  return lines.join('\n');
}

/** Microseconds per comment for the model as the engine runs it (scorer only), over every text. */
function timePerComment(model: LinearModel, texts: readonly string[]): { mean: number; p50: number; p99: number } {
  const scorer = createModelScorer([model]);
  const input: CommentInput = { body: '', author: { id: 'evaluate', name: 'evaluate' } };
  const normalised = texts.map((text) => normalise(text));
  // One untimed pass warms the JIT and the featurizer's buffers.
  for (const text of normalised) scorer.score(text, input);
  const times = normalised.map((text) => {
    const started = performance.now();
    scorer.score(text, input);
    return (performance.now() - started) * 1000;
  });
  const sorted = Float64Array.from(times).sort();
  return { mean: times.reduce((sum, time) => sum + time, 0) / times.length, p50: sorted[Math.floor(sorted.length / 2)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

function run(options: Map<string, string[]>): void {
  const modelPath = options.get('model')?.[0];
  const dataPaths = options.get('data') ?? [];
  if (modelPath === undefined || dataPaths.length === 0) throw new UsageError('--model and --data are required');
  const model = loadModel(readFileSync(modelPath, 'utf8'), modelPath);
  if (!isTask(model.task)) throw new UsageError(`the model's task ${model.task} has no data formats`);
  log(`model ${modelPath}: ${model.task} v${model.version}, labels ${model.labels.join(', ')}, trained ${model.trainedAt}`);
  const { examples } = readDataFiles(dataPaths, model.task);
  const thresholds = thresholdsFrom(model, options);
  const priors = priorsFrom(model, options);

  const progress = new Progress('score');
  const scorer = createModelScorer([model]);
  const input: CommentInput = { body: '', author: { id: 'evaluate', name: 'evaluate' } };
  const scores = model.labels.map(() => new Float64Array(examples.length));
  examples.forEach((example, i) => {
    const result = scorer.score(normalise(example.text), input);
    model.labels.forEach((label, head) => (scores[head][i] = result.scores[label] ?? 0));
    if ((i + 1) % 2000 === 0) progress.update(`${i + 1}/${examples.length} texts`);
  });
  progress.finish(`${examples.length} texts`);
  const evaluation = evaluateScores(model, examples, scores, { thresholds, priors });

  const timingProgress = new Progress('timing');
  const timing = timePerComment(model, examples.map((example) => example.text));
  timingProgress.finish('done');

  const out: string[] = [];
  const weighting = priors === false ? 'the data as it is' : `positives reweighted to ${JSON.stringify(priors)}`;
  out.push(`# ${modelPath} on ${examples.length} texts (${weighting})`, '');
  const sources = Object.keys(evaluation.bySource);
  out.push(sources.length > 1 ? '## All sources (each counting equally)' : `## ${sources[0] ?? 'no data'}`, '', metricsTable(evaluation.overall), '');
  for (const [label, metrics] of Object.entries(evaluation.overall)) out.push(describeLabel(label, metrics), '');
  if (sources.length > 1) for (const [source, metrics] of Object.entries(evaluation.bySource)) out.push(`## ${source}`, '', metricsTable(metrics), '');
  const main = evaluation.overall[model.labels[0]];
  if (main !== undefined) out.push(`## Calibration of ${model.labels[0]}`, '', reliabilityTable(main), '');
  out.push(`Time per comment (scorer, after the engine's normalisation): mean ${fixed(timing.mean, 1)} µs, p50 ${fixed(timing.p50, 1)} µs, p99 ${fixed(timing.p99, 1)} µs`);
  process.stdout.write(`${out.join('\n')}\n`);
}

try {
  const options = parseArguments(process.argv.slice(2), OPTIONS);
  if (options.has('help')) process.stdout.write(`${USAGE}\n`);
  else run(options);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`evaluate: ${error.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
}
