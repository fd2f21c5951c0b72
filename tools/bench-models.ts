/**
 * Benchmarks the built-in models: speed of both together per comment, as the engine runs them,
 * and quality on the held-out split of the shared data beside the `obscenity` profanity filter.
 *
 *   npm run bench:models [-- --sample 4000 --rounds 5]
 *
 * Writes the section "Models" of docs/benchmarks.md and the raw numbers to
 * docs/benchmarks/models.json. Progress goes to stderr.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';
import { normalise, type CommentInput, type NormalisedText } from '#app/moderation-engine';
import {
  adaptationUpdate,
  createAdaptation,
  createModelScorer,
  evaluateScores,
  labelColumn,
  loadModel,
  metricsAt,
  priorWeights,
  rocAuc,
  scoreTexts,
  splitExamples,
  type LabelledText,
  type LinearModel,
  type ModelEvaluation,
  type Task,
} from '#app/text-models';
import { randomGenerator, sampleTexts, seedComments, shuffle, TIMING_SHARES } from './bench-support.js';
import { Progress, UsageError, fixed, log, metricsTable, numberOption, optionsHelp, parseArguments, readDataFiles, type OptionSpec } from './model-tool-support.js';

const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  models: { kind: 'value', help: 'folder of the model files (the highest version of each task is used)', default: 'models/' },
  datasets: { kind: 'value', help: 'the shared labelled data sets, read only', default: '/work/shared/datasets' },
  seeds: { kind: 'value', help: 'the sample comment threads, read only', default: '/work/shared/seeds' },
  sample: { kind: 'value', help: 'texts timed', default: '4000' },
  rounds: { kind: 'value', help: 'timed passes; each text keeps its median time', default: '5' },
  'docs-dir': { kind: 'value', help: 'where benchmarks.md and benchmarks/models.json are', default: 'docs/' },
  help: { kind: 'flag', help: 'this text' },
};

const DATA_FOLDERS: Readonly<Record<Task, readonly string[]>> = {
  toxicity: ['davidson_hate_offensive', 'olid_offenseval2019', 'jigsaw_toxic_train'],
  spam: ['sms_spam_collection', 'youtube_spam_collection'],
};

const INPUT: CommentInput = { body: '', author: { id: 'bench', name: 'bench' } };

function latestModel(folder: string, task: Task): { path: string; model: LinearModel } {
  const versions = readdirSync(folder)
    .map((name) => new RegExp(`^${task}-v(\\d+)\\.json$`).exec(name))
    .filter((match) => match !== null)
    .map((match) => Number(match[1]));
  if (versions.length === 0) throw new UsageError(`no ${task}-v<version>.json in ${folder}`);
  const path = join(folder, `${task}-v${Math.max(...versions)}.json`);
  return { path, model: loadModel(readFileSync(path, 'utf8'), path) };
}

/** The held-out split the model was measured on: the same files, seed and shares as its training. */
function heldOut(model: LinearModel, examples: readonly LabelledText[]): LabelledText[] {
  const split = model.card.split as { seed?: unknown; holdoutShare?: unknown; calibrationShare?: unknown } | undefined;
  const { seed, holdoutShare, calibrationShare } = split ?? {};
  if (typeof seed !== 'number' || typeof holdoutShare !== 'number' || typeof calibrationShare !== 'number') {
    throw new Error(`${model.task} v${model.version}: the model card has no split (seed, holdoutShare, calibrationShare)`);
  }
  return splitExamples(examples, { seed, holdout: holdoutShare, calibration: calibrationShare }).test;
}

interface Timing {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  perSecond: number;
}

/** Per text, the median of `rounds` timed runs (after two warm-up passes), summarised in µs. */
function timeEach(texts: readonly NormalisedText[], rounds: number, label: string, run: (text: NormalisedText) => void): Timing {
  for (let pass = 0; pass < 2; pass++) for (const text of texts) run(text);
  const times = texts.map(() => new Float64Array(rounds));
  const progress = new Progress(`time ${label}`);
  for (let round = 0; round < rounds; round++) {
    texts.forEach((text, i) => {
      const started = performance.now();
      run(text);
      times[i][round] = (performance.now() - started) * 1000;
    });
    progress.update(`round ${round + 1}/${rounds}`);
  }
  const medians = Float64Array.from(times, (runs) => runs.sort()[Math.floor(rounds / 2)]).sort();
  const mean = medians.reduce((sum, time) => sum + time, 0) / medians.length;
  const at = (share: number): number => medians[Math.min(medians.length - 1, Math.floor(medians.length * share))];
  progress.finish(`mean ${fixed(mean, 1)} µs`);
  return { mean, p50: at(0.5), p90: at(0.9), p99: at(0.99), perSecond: 1e6 / mean };
}

interface Comparison {
  label: string;
  source: string;
  weighting: string;
  texts: number;
  positives: number;
  modelAuc: number;
  modelF1: number;
  modelPrecision: number;
  modelRecall: number;
  obscenityF1: number;
  obscenityPrecision: number;
  obscenityRecall: number;
}

/** The model at its hold threshold and obscenity's match/no match, on the same texts and labels. */
function compareWithObscenity(model: LinearModel, examples: readonly LabelledText[], scores: readonly Float64Array[], flagged: Float64Array): Comparison[] {
  const comparisons: Comparison[] = [];
  const sources = ['all', ...new Set(examples.map((example) => example.source))].sort();
  for (const label of ['toxicity', 'profanity']) {
    const head = model.labels.indexOf(label);
    if (head < 0) continue;
    const hold = model.thresholds[label]?.hold ?? 0.5;
    for (const source of sources) {
      const rows = examples.flatMap((example, row) => ((source === 'all' || example.source === source) && example.labels[label] !== undefined ? [row] : []));
      const labels = labelColumn(rows.map((row) => examples[row]), label);
      const positives = labels.reduce((sum, value) => sum + value, 0);
      if (positives < 10 || rows.length - positives < 10) continue;
      const modelScores = Float64Array.from(rows, (row) => scores[head][row]);
      const obscenityScores = Float64Array.from(rows, (row) => flagged[row]);
      const weightings: Array<[string, Float64Array | undefined]> = [
        ['as sampled', undefined],
        [`at prior ${model.priors[label]}`, priorWeights(labels, model.priors[label] ?? 0.5)],
      ];
      for (const [weighting, weights] of weightings) {
        const ours = metricsAt(modelScores, labels, hold, weights);
        const theirs = metricsAt(obscenityScores, labels, 0.5, weights);
        comparisons.push({
          label,
          source,
          weighting,
          texts: rows.length,
          positives,
          modelAuc: rocAuc(modelScores, labels),
          modelF1: ours.f1,
          modelPrecision: ours.precision,
          modelRecall: ours.recall,
          obscenityF1: theirs.f1,
          obscenityPrecision: theirs.precision,
          obscenityRecall: theirs.recall,
        });
      }
    }
  }
  return comparisons;
}

function replaceSection(markdown: string, heading: string, section: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return `${markdown.trimEnd()}\n\n${section}`;
  const next = markdown.indexOf('\n## ', start + heading.length + 1);
  return `${markdown.slice(0, start + 1)}${section}${next < 0 ? '' : `\n${markdown.slice(next + 1)}`}`;
}

function run(options: Map<string, string[]>): void {
  const modelFolder = options.get('models')?.[0] ?? 'models/';
  const datasets = options.get('datasets')?.[0] ?? '/work/shared/datasets';
  const seeds = options.get('seeds')?.[0] ?? '/work/shared/seeds';
  const sampleSize = numberOption(options, 'sample', 4000, 100, 100_000);
  const rounds = numberOption(options, 'rounds', 5, 1, 50);
  const docs = options.get('docs-dir')?.[0] ?? 'docs/';
  const load = loadavg()[0];

  const toxicity = latestModel(modelFolder, 'toxicity');
  const spam = latestModel(modelFolder, 'spam');
  log(`models: ${toxicity.path}, ${spam.path}`);
  const toxicityData = readDataFiles(DATA_FOLDERS.toxicity.map((folder) => join(datasets, folder)), 'toxicity').examples;
  const spamData = readDataFiles(DATA_FOLDERS.spam.map((folder) => join(datasets, folder)), 'spam').examples;
  const seedTexts = seedComments(seeds);

  // Speed: both models together, as the engine calls them, on a sample of real texts.
  const sampled = sampleTexts(datasets, { count: sampleSize - seedTexts.length, shares: TIMING_SHARES, seed: 1 }).map(({ text }) => text);
  const timingTexts = [...sampled, ...seedTexts];
  const normalised = timingTexts.map((text) => normalise(text));
  const bothModels = createModelScorer([toxicity.model, spam.model]);
  const site = createAdaptation(toxicity.model);
  const adaptationProgress = new Progress('adaptation');
  for (const example of shuffle(toxicityData, randomGenerator(99)).slice(0, 300)) adaptationUpdate(site, toxicity.model, example.text, { toxicity: example.labels.toxicity ?? 0 });
  adaptationProgress.finish(`300 decisions, ${site.offsets.size} offsets`);
  const adapted = bothModels.withAdaptations([site]);
  const toxicityOnly = createModelScorer([toxicity.model]);
  const spamOnly = createModelScorer([spam.model]);
  const timings = {
    both: timeEach(normalised, rounds, 'both models', (text) => bothModels.score(text, INPUT)),
    toxicity: timeEach(normalised, rounds, 'toxicity', (text) => toxicityOnly.score(text, INPUT)),
    spam: timeEach(normalised, rounds, 'spam', (text) => spamOnly.score(text, INPUT)),
    bothAdapted: timeEach(normalised, rounds, 'both, with a site adaptation', (text) => adapted.score(text, INPUT)),
    normalise: timeEach(normalised, rounds, "the engine's normalise (for scale)", (text) => normalise(text.original)),
  };

  // Quality on the held-out split, beside obscenity.
  const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  const toxicityTest = heldOut(toxicity.model, toxicityData);
  const spamTest = heldOut(spam.model, spamData);
  const scoreProgress = new Progress('held-out');
  const toxicityScores = scoreTexts(toxicity.model, toxicityTest.map((example) => example.text), (done, total) => scoreProgress.update(`toxicity ${done}/${total}`));
  const spamScores = scoreTexts(spam.model, spamTest.map((example) => example.text));
  const flagged = Float64Array.from(toxicityTest, (example) => (matcher.hasMatch(example.text) ? 1 : 0));
  scoreProgress.finish(`${toxicityTest.length} toxicity and ${spamTest.length} spam texts`);
  const toxicityEvaluation: ModelEvaluation = evaluateScores(toxicity.model, toxicityTest, toxicityScores);
  const spamEvaluation: ModelEvaluation = evaluateScores(spam.model, spamTest, spamScores);
  const comparisons = compareWithObscenity(toxicity.model, toxicityTest, toxicityScores, flagged);

  // The seed thread: the sentences the issue names, and the comments scored highest.
  const seedScorer = createModelScorer([toxicity.model, spam.model]);
  const scoreOf = (text: string): { scores: Record<string, number>; spans: string[] } => {
    const result = seedScorer.score(normalise(text), { ...INPUT, body: text });
    return { scores: result.scores, spans: [...new Set(Object.values(result.spans ?? {}).flat().map((span) => span.text))] };
  };
  const namedSentences = ['You balkanic scum.', 'Dream on my friend.'].map((text) => ({ text, ...scoreOf(text) }));
  const topSeedComments = seedTexts
    .map((text) => ({ text, ...scoreOf(text) }))
    .sort((a, b) => b.scores.toxicity - a.scores.toxicity)
    .slice(0, 5);

  const environment = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverageAtStart: load,
    loadAverageAtEnd: loadavg()[0],
  };
  const report = {
    environment,
    models: { toxicity: toxicity.path, spam: spam.path },
    timing: { texts: timingTexts.length, meanLength: timingTexts.reduce((sum, text) => sum + text.length, 0) / timingTexts.length, rounds, microseconds: timings, adaptationOffsets: site.offsets.size },
    heldOut: { toxicity: toxicityEvaluation, spam: spamEvaluation },
    obscenity: comparisons,
    seedThread: { namedSentences, topComments: topSeedComments },
  };
  mkdirSync(join(docs, 'benchmarks'), { recursive: true });
  writeFileSync(join(docs, 'benchmarks', 'models.json'), `${JSON.stringify(report, null, 2)}\n`);

  const timingRow = (name: string, t: Timing): string => `| ${name} | ${fixed(t.mean, 1)} | ${fixed(t.p50, 1)} | ${fixed(t.p90, 1)} | ${fixed(t.p99, 1)} | ${Math.round(t.perSecond)} |`;
  const scoreList = (scores: Record<string, number>): string => Object.entries(scores).map(([name, value]) => `${name} ${value.toFixed(2)}`).join(', ');
  const section = [
    '## Models',
    '',
    `Generated by \`node dist/tools/bench-models.js\` on ${environment.date}: Node ${environment.node.slice(1)}, ${environment.cpu} (${environment.cores} cores), load average ${load.toFixed(2)} at the start and ${environment.loadAverageAtEnd.toFixed(2)} at the end. Models: \`${toxicity.path}\`, \`${spam.path}\`.`,
    '',
    '### Speed',
    '',
    `${timingTexts.length} texts sampled from the shared data sets and the seed thread (mean ${Math.round(report.timing.meanLength)} characters), already normalised by the engine as the scorer receives them; ${rounds} timed passes after two warm-up passes, each text keeping its median time. Explanations are included (they are computed for scores ≥ 0.3).`,
    '',
    '| what | mean µs | p50 µs | p90 µs | p99 µs | texts/s |',
    '|---|---:|---:|---:|---:|---:|',
    timingRow('**toxicity + spam models (one scorer)**', timings.both),
    timingRow('toxicity model alone', timings.toxicity),
    timingRow('spam model alone', timings.spam),
    timingRow(`both, with a site adaptation (300 decisions, ${site.offsets.size} offsets)`, timings.bothAdapted),
    timingRow("the engine's normalise, for scale (not part of the scorer)", timings.normalise),
    '',
    `Target: both models under 100 µs per typical comment: p50 ${fixed(timings.both.p50, 1)} µs, mean ${fixed(timings.both.mean, 1)} µs — ${timings.both.p50 < 100 && timings.both.mean < 100 ? 'met' : 'NOT met'}.`,
    '',
    '### Quality on the held-out split',
    '',
    'The split each model was measured on at training (same files, seed and shares; texts deduplicated before splitting, so none was seen in training). Precision, recall and F1 are at the model\'s hold threshold and, like PR AUC and calibration, for a stream with the model\'s prior (positives reweighted); "all" counts each source equally.',
    '',
    '#### Toxicity, all sources',
    '',
    metricsTable(toxicityEvaluation.overall),
    '',
    ...Object.entries(toxicityEvaluation.bySource).flatMap(([source, metrics]) => [`#### Toxicity, ${source}`, '', metricsTable(metrics), '']),
    '#### Spam, all sources',
    '',
    metricsTable(spamEvaluation.overall),
    '',
    ...Object.entries(spamEvaluation.bySource).flatMap(([source, metrics]) => [`#### Spam, ${source}`, '', metricsTable(metrics), '']),
    '### Beside obscenity',
    '',
    "`obscenity`'s `RegExpMatcher` (English dataset, recommended transformers) flags a text when `hasMatch` is true; the model flags it at its hold threshold. Same held-out texts and labels. obscenity looks for profanity only, so `profanity` is its own ground; on `toxicity` it shows what a word filter misses. \"as sampled\" is the held-out split as it is (about half the texts positive in these sets); \"at prior\" reweights positives to the model's calibration prior, as on a news site.",
    '',
    '| label | source | weighting | texts | positives | model ROC AUC | model P | model R | model F1 | obscenity P | obscenity R | obscenity F1 |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...comparisons.map((c) => `| ${c.label} | ${c.source} | ${c.weighting} | ${c.texts} | ${c.positives} | ${fixed(c.modelAuc)} | ${fixed(c.modelPrecision)} | ${fixed(c.modelRecall)} | **${fixed(c.modelF1)}** | ${fixed(c.obscenityPrecision)} | ${fixed(c.obscenityRecall)} | ${fixed(c.obscenityF1)} |`),
    '',
    '### Seed thread (sanity check)',
    '',
    '| text | scores | spans |',
    '|---|---|---|',
    ...[...namedSentences, ...topSeedComments].map(({ text, scores, spans }) => `| ${text.replace(/\s+/g, ' ').slice(0, 120).replace(/\|/g, '\\|')} | ${scoreList(scores)} | ${spans.map((span) => `“${span}”`).join(', ')} |`),
    '',
  ].join('\n');
  const benchmarksPath = join(docs, 'benchmarks.md');
  const existing = existsSync(benchmarksPath) ? readFileSync(benchmarksPath, 'utf8') : '# Benchmarks\n';
  writeFileSync(benchmarksPath, replaceSection(existing, '## Models', section));
  log(`wrote ${benchmarksPath} (section "Models") and ${join(docs, 'benchmarks', 'models.json')}`);
}

try {
  const options = parseArguments(process.argv.slice(2), OPTIONS);
  if (options.has('help')) process.stdout.write(`Usage: npm run bench:models [-- options]\n\nOptions:\n${optionsHelp(OPTIONS)}\n`);
  else run(options);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench-models: ${error.message}\n`);
  process.exitCode = 2;
}
