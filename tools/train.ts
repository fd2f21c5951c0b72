/**
 * Trains a built-in text model (toxicity or spam) from labelled data files and writes
 * models/<task>-v<version>.json with its model card models/<task>-v<version>.card.md.
 *
 *   npm run train -- --task toxicity --data /work/shared/datasets/jigsaw_toxic_train … [--out models/]
 *
 * Run with --help for every option and the column mapping of the data formats.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  DATASET_FORMATS_HELP,
  DEFAULT_HYPERPARAMETERS,
  DEFAULT_PRIORS,
  MIN_CLASS_EXAMPLES,
  TASK_LABELS,
  duplicateKey,
  evaluateScores,
  isTask,
  loadModel,
  scoreTexts,
  serializeModel,
  trainTextModel,
  type FeaturizerParams,
  type LabelMetrics,
  type LabelledText,
  type LinearModel,
  type ModelEvaluation,
  type Task,
  type TrainModelOptions,
  type TrainingHyperparameters,
  type TrainingProgress,
} from '#app/text-models';
import {
  Progress,
  UsageError,
  fixed,
  log,
  metricsTable,
  numberOption,
  optionsHelp,
  pairsOption,
  parseArguments,
  readDataFiles,
  reliabilityTable,
  type OptionSpec,
  type ReadFile,
} from './model-tool-support.js';

const defaults = DEFAULT_HYPERPARAMETERS;
const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  task: { kind: 'value', help: `what to learn: ${Object.keys(TASK_LABELS).join(' or ')}` },
  data: { kind: 'list', help: 'data files or folders of them (formats below)' },
  out: { kind: 'value', help: 'folder for the model file and its card', default: 'models/' },
  version: { kind: 'value', help: 'model version written into the file name', default: 'one above the highest in --out' },
  seed: { kind: 'value', help: 'seeds the split and the training order', default: '42' },
  holdout: { kind: 'value', help: 'share of distinct texts held out for the metrics', default: '0.15' },
  calibration: { kind: 'value', help: 'share of distinct texts for calibration and thresholds', default: '0.15' },
  epochs: { kind: 'value', help: 'passes over the training split', default: String(defaults.epochs) },
  'learning-rate': { kind: 'value', help: 'AdaGrad base step', default: String(defaults.learningRate) },
  l2: { kind: 'value', help: 'L2 regularisation', default: String(defaults.l2) },
  'class-balance': { kind: 'value', help: '0 keeps class shares, 1 weighs positives and negatives equally', default: String(defaults.classBalance) },
  'dimension-bits': { kind: 'value', help: 'hashed feature space of 2^bits', default: String(defaults.featurizer.dimensionBits) },
  'char-ngrams': { kind: 'value', help: 'character n-gram lengths as min-max, or "none"', default: `${defaults.featurizer.charNgramMin}-${defaults.featurizer.charNgramMax}` },
  'word-weight': { kind: 'value', help: 'weight of word features against character n-grams', default: String(defaults.featurizer.wordWeight) },
  'min-examples': { kind: 'value', help: 'positive and negative training texts a label needs to be learnt', default: String(defaults.minExamplesPerClass) },
  'source-weight': { kind: 'list', help: 'source=factor: weigh a source more or less than the others (e.g. jigsaw=2)' },
  prior: { kind: 'list', help: 'label=share: positives in the stream to calibrate for', default: 'see DEFAULT_PRIORS' },
  'cross-source': { kind: 'flag', help: 'also train once without each source and test on it (slower)' },
  'trained-at': { kind: 'value', help: 'date stored in the file', default: 'SOURCE_DATE_EPOCH, else today' },
  help: { kind: 'flag', help: 'this text' },
};

const USAGE = `Usage: npm run train -- --task toxicity|spam --data <files or folders...> [options]

Options:
${optionsHelp(OPTIONS)}

${DATASET_FORMATS_HELP}

Writes <out>/<task>-v<version>.json and <out>/<task>-v<version>.card.md. Same data, options and
--trained-at give a byte-identical model file.`;

interface TrainCommand {
  /** The arguments as given, to reproduce the model. */
  argv: readonly string[];
  task: Task;
  dataPaths: string[];
  outDir: string;
  version: number;
  seed: number;
  holdout: number;
  calibration: number;
  hyperparameters: TrainingHyperparameters;
  priors: Record<string, number>;
  crossSource: boolean;
  trainedAt: string;
}

function nextVersion(outDir: string, task: string): number {
  let highest = 0;
  try {
    for (const name of readdirSync(outDir)) {
      const match = new RegExp(`^${task}-v(\\d+)\\.json$`).exec(name);
      if (match !== null) highest = Math.max(highest, Number(match[1]));
    }
  } catch {
    // No folder yet: the first version.
  }
  return highest + 1;
}

function charNgrams(raw: string | undefined): Pick<FeaturizerParams, 'charNgramMin' | 'charNgramMax'> {
  if (raw === undefined) return { charNgramMin: defaults.featurizer.charNgramMin, charNgramMax: defaults.featurizer.charNgramMax };
  if (raw === 'none') return { charNgramMin: 0, charNgramMax: 0 };
  const match = /^(\d)-(\d)$/.exec(raw);
  if (match === null) throw new UsageError('--char-ngrams must be min-max (e.g. 2-5) or none');
  return { charNgramMin: Number(match[1]), charNgramMax: Number(match[2]) };
}

function trainedAtDate(raw: string | undefined): string {
  if (raw !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw new UsageError('--trained-at must be a date, YYYY-MM-DD');
    return raw;
  }
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return (epoch === undefined ? new Date() : new Date(Number(epoch) * 1000)).toISOString().slice(0, 10);
}

function parseCommand(argv: readonly string[]): TrainCommand | undefined {
  const options = parseArguments(argv, OPTIONS);
  if (options.has('help')) return undefined;
  const task = options.get('task')?.[0];
  if (task === undefined || !isTask(task)) throw new UsageError(`--task must be ${Object.keys(TASK_LABELS).join(' or ')}`);
  const dataPaths = options.get('data') ?? [];
  if (dataPaths.length === 0) throw new UsageError('--data needs at least one file');
  const outDir = options.get('out')?.[0] ?? 'models/';
  const unknownPriors = Object.keys(pairsOption(options, 'prior')).filter((label) => !(TASK_LABELS[task] as readonly string[]).includes(label));
  if (unknownPriors.length > 0) throw new UsageError(`--prior names labels ${task} does not have: ${unknownPriors.join(', ')}`);
  return {
    argv,
    task,
    dataPaths,
    outDir,
    version: numberOption(options, 'version', nextVersion(outDir, task), 1, 1e6),
    seed: numberOption(options, 'seed', 42, 0, 2 ** 32 - 1),
    holdout: numberOption(options, 'holdout', 0.15, 0.01, 0.5),
    calibration: numberOption(options, 'calibration', 0.15, 0.01, 0.5),
    hyperparameters: {
      ...defaults,
      featurizer: {
        ...defaults.featurizer,
        dimensionBits: numberOption(options, 'dimension-bits', defaults.featurizer.dimensionBits, 10, 22),
        wordWeight: numberOption(options, 'word-weight', defaults.featurizer.wordWeight, 0.01, 100),
        ...charNgrams(options.get('char-ngrams')?.[0]),
      },
      epochs: numberOption(options, 'epochs', defaults.epochs, 1, 100),
      learningRate: numberOption(options, 'learning-rate', defaults.learningRate, 1e-6, 10),
      l2: numberOption(options, 'l2', defaults.l2, 0, 1),
      classBalance: numberOption(options, 'class-balance', defaults.classBalance, 0, 1),
      minExamplesPerClass: numberOption(options, 'min-examples', defaults.minExamplesPerClass, 1, 1e9),
      sourceWeights: pairsOption(options, 'source-weight'),
    },
    priors: { ...DEFAULT_PRIORS[task], ...pairsOption(options, 'prior') },
    crossSource: options.has('cross-source'),
    trainedAt: trainedAtDate(options.get('trained-at')?.[0]),
  };
}

/** Reports training progress on one line: featurizing, then epochs with speed and loss. */
function progressReporter(label: string): (progress: TrainingProgress) => void {
  let line = new Progress(`${label} featurize`);
  let epochStarted = performance.now();
  return (progress) => {
    if (progress.stage === 'featurize') {
      line.update(`${progress.done}/${progress.total} texts`);
      if (progress.done === progress.total) {
        line.finish(`${progress.total} texts`);
        line = new Progress(`${label} train`);
        epochStarted = performance.now();
      }
      return;
    }
    const rate = progress.done / ((performance.now() - epochStarted) / 1000);
    const message = `epoch ${progress.epoch}/${progress.epochs}, ${progress.done}/${progress.rows} examples, ${Math.round(rate)} examples/s, loss ${progress.loss.toFixed(4)}`;
    if (progress.done < progress.rows) line.update(message);
    else {
      log(`${label} train: ${message}`);
      epochStarted = performance.now();
    }
  };
}

/** Metrics without per-bucket reliability (kept for the overall figures only), rounded for the card. */
function compact(metrics: Record<string, LabelMetrics>, keepReliability: boolean): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(Object.fromEntries(Object.entries(metrics).map(([label, m]) => [label, keepReliability ? m : { ...m, reliability: undefined }])), (_key, value: unknown) =>
      typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 10_000) / 10_000 : value,
    ),
  ) as Record<string, unknown>;
}

/** Distinct texts (first of each duplicate): a held-out source is tested on each text once. */
function distinct(examples: readonly LabelledText[]): LabelledText[] {
  const seen = new Set<string>();
  return examples.filter((example) => {
    const key = duplicateKey(example.text);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function evaluate(model: LinearModel, examples: readonly LabelledText[], label: string): ModelEvaluation {
  const progress = new Progress(label);
  const scores = scoreTexts(model, examples.map((example) => example.text), (done, total) => progress.update(`${done}/${total} texts`));
  progress.finish(`${examples.length} texts`);
  return evaluateScores(model, examples, scores);
}

/** For each source: a model trained on the others, tested on all of that source's texts. */
function crossSourceMetrics(examples: readonly LabelledText[], options: TrainModelOptions, mainLabel: string): Record<string, Record<string, LabelMetrics>> {
  const sources = [...new Set(examples.map((example) => example.source))].sort();
  const result: Record<string, Record<string, LabelMetrics>> = {};
  if (sources.length < 2) return result;
  for (const source of sources) {
    const tested = distinct(examples.filter((example) => example.source === source));
    const positives = tested.filter((example) => example.labels[mainLabel] === 1).length;
    const negatives = tested.filter((example) => example.labels[mainLabel] === 0).length;
    if (positives < MIN_CLASS_EXAMPLES || negatives < MIN_CLASS_EXAMPLES) continue;
    log(`cross-source: training without ${source}`);
    const { model, droppedLabels } = trainTextModel(
      examples.filter((example) => example.source !== source),
      { ...options, onProgress: progressReporter(`without ${source}:`) },
    );
    for (const [label, why] of Object.entries(droppedLabels)) log(`without ${source}: ${label} left out (${why})`);
    result[source] = evaluate(model, tested, `without ${source}: test on ${source}`).bySource[source] ?? {};
  }
  return result;
}

const LIMITATIONS: Readonly<Record<Task, string[]>> = {
  toxicity: [
    'Trained on tweets (Davidson, OLID) and Wikipedia talk comments (Jigsaw), not on news comments: vocabulary, length and what annotators called offensive differ. Check it on your own decisions (`npm run evaluate`) and retrain with them.',
    "Davidson's classes are about offensive language in US tweets (slurs used casually are often \"offensive\", not \"hate\"); OLID's groups are mostly political, so OLID group-targeted insults do not teach identity_attack.",
    'A bag of words and character n-grams: no word order beyond pairs, no sarcasm, no context of the thread. Quoting or reporting an insult scores like the insult.',
    'English only. Other languages score low, whatever they say.',
    'threat and identity_attack have few positive examples: their scores are the least reliable.',
    'There is no `sexual` score: none of the data sets label it.',
    'Probabilities are calibrated for the priors above (each source counting equally); on a stream with another rate of toxic comments, the same score means a different chance.',
  ],
  spam: [
    'Trained on SMS messages (UK/Singapore, 2000s) and YouTube comments from 2013–2015, not on news comments: spam on a news site (SEO links, scams, crypto) may use other words.',
    'Judges the text alone: links are one feature, their domains are not looked at (the engine\'s spam phase does that), nor are repeat or rate signals.',
    'English only.',
    'Probabilities are calibrated for the prior above; on a stream with another spam rate, the same score means a different chance.',
  ],
};

interface CardFacts {
  split: Record<string, number>;
  duplicates: number;
  fileBytes: number;
  quantisationAuc: Record<string, [number, number]>;
  droppedLabels: Readonly<Record<string, string>>;
}

function renderCard(model: LinearModel, command: TrainCommand, files: readonly ReadFile[], heldOut: ModelEvaluation, crossSource: Record<string, Record<string, LabelMetrics>>, facts: CardFacts): string {
  const hyper = command.hyperparameters;
  const mainLabel = model.labels[0];
  const sections = [
    `# Model card: ${model.task} v${model.version}`,
    `\`${model.task}-v${model.version}.json\` — format \`threadkeeper-linear-v1\`, trained ${model.trainedAt} with \`npm run train\` (seed ${command.seed}). ` +
      `Scores: ${model.labels.map((label) => `\`${label}\``).join(', ')}, each a calibrated probability from a logistic-regression head over hashed word and character n-gram features of the engine-normalised text.` +
      Object.entries(facts.droppedLabels).map(([label, why]) => ` Left out: \`${label}\` (${why}).`).join(''),
    '## Data',
    ['| file | format | rows | skipped |', '|---|---|---:|---:|', ...files.map((file) => `| ${basename(file.path)} | ${file.format} | ${file.rows.length} | ${file.skipped} |`)].join('\n'),
    `${facts.duplicates} duplicate texts (same engine fingerprint after masking @mentions, RT, links, entities) were merged before splitting. ` +
      `Distinct texts by split (seeded hash of the text): train ${facts.split.train}, calibration ${facts.split.calibration}, held-out test ${facts.split.test}.`,
    'Label mapping (see `libs/text-models/README.md`):',
    '```\n' + DATASET_FORMATS_HELP + '\n```',
    'Dataset licences and credits: see `NOTICE` at the repository root.',
    `Reproduce (byte-identical file): \`npm run train -- ${command.argv.join(' ')}\``,
    '## Training',
    [
      '| hyper-parameter | value |',
      '|---|---|',
      `| features | 2^${hyper.featurizer.dimensionBits} hashed: words, word pairs${hyper.featurizer.charNgramMin > 0 ? `, character ${hyper.featurizer.charNgramMin}–${hyper.featurizer.charNgramMax}-grams within words` : ''}; word weight ${hyper.featurizer.wordWeight}; sublinear TF, L2-normalised |`,
      `| optimiser | AdaGrad SGD, ${hyper.epochs} epochs, learning rate ${hyper.learningRate}, L2 ${hyper.l2} |`,
      `| weighting | every source equal${Object.keys(hyper.sourceWeights).length > 0 ? ` (factors: ${JSON.stringify(hyper.sourceWeights)})` : ''}; class balance ${hyper.classBalance} |`,
      `| calibration | Platt scaling on the calibration split, each source equal, positives reweighted to the priors |`,
      `| priors | ${Object.entries(model.priors).map(([label, prior]) => `${label} ${prior}`).join(', ')} |`,
      `| weights | int8 on a square-root scale; file ${(facts.fileBytes / 1e6).toFixed(2)} MB |`,
    ].join('\n'),
    '## Recommended thresholds',
    'Chosen on the calibration split: hold where F1 is best, reject where precision reaches ' + `${hyper.rejectPrecision} (none when no threshold does).`,
    ['| score | hold | reject |', '|---|---:|---:|', ...Object.entries(model.thresholds).map(([label, t]) => `| ${label} | ${fixed(t.hold, 2)} | ${fixed(t.reject, 2)} |`)].join('\n'),
    '## Held-out metrics',
    `On the held-out split. Precision, recall, F1, PR AUC, Brier and ECE are for a stream with the priors above (held-out positives reweighted to that share); ROC AUC does not depend on it. "All sources" counts each source equally. Labels with fewer than ${MIN_CLASS_EXAMPLES} positives or negatives are left out.`,
    '### All sources',
    metricsTable(heldOut.overall),
    ...Object.entries(heldOut.bySource).flatMap(([source, metrics]) => [`### ${source}`, metricsTable(metrics)]),
    `### Calibration of \`${mainLabel}\` (held-out, all sources)`,
    heldOut.overall[mainLabel] === undefined ? 'Too few examples.' : reliabilityTable(heldOut.overall[mainLabel]),
    '### Quantisation',
    `Held-out ROC AUC before → after storing the weights as int8: ${Object.entries(facts.quantisationAuc).map(([label, [before, after]]) => `${label} ${fixed(before, 4)} → ${fixed(after, 4)}`).join(', ')}.`,
  ];
  if (Object.keys(crossSource).length > 0) {
    sections.push(
      '## Cross-source generality',
      'Each row: a model trained (same settings) on the other sources only, tested on every distinct text of the named source — a stand-in for text from a platform the model never saw.',
      ...Object.entries(crossSource).flatMap(([source, metrics]) => [`### Trained without ${source}, tested on ${source}`, metricsTable(metrics)]),
    );
  }
  sections.push('## Known limitations', LIMITATIONS[command.task].map((line) => `- ${line}`).join('\n'));
  return `${sections.join('\n\n')}\n`;
}

function run(command: TrainCommand): void {
  const labels = TASK_LABELS[command.task];
  const { files, examples } = readDataFiles(command.dataPaths, command.task);
  const options: TrainModelOptions = {
    task: command.task,
    labels,
    version: command.version,
    seed: command.seed,
    holdout: command.holdout,
    calibration: command.calibration,
    priors: command.priors,
    hyperparameters: command.hyperparameters,
    trainedAt: command.trainedAt,
  };
  const { model: trained, splits, droppedLabels } = trainTextModel(examples, { ...options, onProgress: progressReporter('model') });
  for (const [label, why] of Object.entries(droppedLabels)) log(`warning: ${label} left out of the model: ${why}`);
  // Measure the model as stored: quantised, read back through the loader.
  const stored = loadModel(serializeModel(trained), 'trained model');
  const heldOut = evaluate(stored, splits.test, 'held-out');
  const unquantised = evaluateScores(trained, splits.test, scoreTexts(trained, splits.test.map((example) => example.text)));
  const quantisationAuc = Object.fromEntries(Object.entries(heldOut.overall).map(([label, m]) => [label, [unquantised.overall[label]?.rocAuc ?? Number.NaN, m.rocAuc] as [number, number]]));
  const crossSource = command.crossSource ? crossSourceMetrics(examples, options, labels[0]) : {};

  const split = { train: splits.train.length, calibration: splits.calibration.length, test: splits.test.length };
  const card = {
    command: `npm run train -- ${command.argv.join(' ')}`,
    data: files.map((file) => ({ file: basename(file.path), format: file.format, source: file.source, rows: file.rows.length, skipped: file.skipped })),
    split: { seed: command.seed, holdoutShare: command.holdout, calibrationShare: command.calibration, duplicates: splits.duplicates, ...split },
    hyperparameters: command.hyperparameters,
    droppedLabels,
    heldOut: { overall: compact(heldOut.overall, true), bySource: Object.fromEntries(Object.entries(heldOut.bySource).map(([source, m]) => [source, compact(m, false)])) },
    ...(command.crossSource ? { crossSource: Object.fromEntries(Object.entries(crossSource).map(([source, m]) => [source, compact(m, false)])) } : {}),
    limitations: LIMITATIONS[command.task],
    credits: 'See NOTICE.',
  };
  const finalModel: LinearModel = { ...stored, weights: trained.weights, card };
  const json = serializeModel(finalModel);
  mkdirSync(command.outDir, { recursive: true });
  const name = `${command.task}-v${command.version}`;
  const modelPath = join(command.outDir, `${name}.json`);
  const cardPath = join(command.outDir, `${name}.card.md`);
  writeFileSync(modelPath, json);
  writeFileSync(cardPath, renderCard(finalModel, command, files, heldOut, crossSource, { split, duplicates: splits.duplicates, fileBytes: Buffer.byteLength(json), quantisationAuc, droppedLabels }));
  log(`\nHeld-out metrics (all sources, priors ${JSON.stringify(finalModel.priors)}):\n${metricsTable(heldOut.overall)}`);
  log(`\nwrote ${modelPath} (${(Buffer.byteLength(json) / 1e6).toFixed(2)} MB) and ${cardPath}`);
}

try {
  const command = parseCommand(process.argv.slice(2));
  if (command === undefined) process.stdout.write(`${USAGE}\n`);
  else run(command);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`train: ${error.message}\n\n${USAGE}\n`);
  process.exitCode = 2;
}
