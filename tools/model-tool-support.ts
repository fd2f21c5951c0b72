/**
 * What the model tools (train, evaluate, bench-models) share: argument parsing, progress lines
 * on stderr, reading data files, and formatting metrics as Markdown tables.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readLabelledFile, type LabelMetrics, type LabelledText, type ReadDataset, type Task } from '#app/text-models';

/** One option of a tool: `--name value`, `--name v1 v2 …` (list) or `--name` (flag). */
export interface OptionSpec {
  readonly kind: 'value' | 'list' | 'flag';
  readonly help: string;
  /** Shown in --help as the default. */
  readonly default?: string;
}

export class UsageError extends Error {}

/** The options given on the command line, by name (without the dashes). */
export function parseArguments(argv: readonly string[], specs: Readonly<Record<string, OptionSpec>>): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (let k = 0; k < argv.length; k++) {
    const argument = argv[k];
    if (!argument.startsWith('--')) throw new UsageError(`unexpected argument ${argument}`);
    const name = argument.slice(2);
    const spec = specs[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name}`);
    const values = options.get(name) ?? [];
    if (spec.kind === 'flag') values.push('true');
    else {
      const first = k + 1;
      while (k + 1 < argv.length && !argv[k + 1].startsWith('--') && (spec.kind === 'list' || k + 1 === first)) values.push(argv[++k]);
      if (k + 1 === first) throw new UsageError(`--${name} needs a value`);
    }
    options.set(name, values);
  }
  return options;
}

/** The --help text of a tool's options. */
export function optionsHelp(specs: Readonly<Record<string, OptionSpec>>): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const argument = spec.kind === 'flag' ? '' : spec.kind === 'list' ? ' <values...>' : ' <value>';
      const shown = spec.default === undefined ? '' : ` (default: ${spec.default})`;
      return `  --${name}${argument}\n      ${spec.help}${shown}`;
    })
    .join('\n');
}

/** A number option within [min, max], or its default. */
export function numberOption(options: Map<string, string[]>, name: string, fallback: number, min: number, max: number): number {
  const raw = options.get(name)?.[0];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  return value;
}

/** `name=value` pairs of a list option, such as --prior toxicity=0.08. */
export function pairsOption(options: Map<string, string[]>, name: string): Record<string, number> {
  const pairs: Record<string, number> = {};
  for (const pair of options.get(name) ?? []) {
    const [key, raw] = pair.split('=');
    const value = Number(raw);
    if (key === undefined || key === '' || raw === undefined || !Number.isFinite(value)) throw new UsageError(`--${name} takes name=number pairs, got ${pair}`);
    pairs[key] = value;
  }
  return pairs;
}

export const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/**
 * A progress line on stderr: rewritten in place on a terminal, otherwise printed at most every
 * few seconds (logs stay short).
 */
export class Progress {
  private lastPrinted = 0;
  private readonly started = performance.now();

  constructor(private readonly label: string) {}

  /** Seconds since the line started. */
  get elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  update(message: string): void {
    const now = performance.now();
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${this.label}: ${message}`);
    else if (now - this.lastPrinted >= 3000) {
      log(`${this.label}: ${message}`);
      this.lastPrinted = now;
    }
  }

  finish(message: string): void {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    log(`${this.label}: ${message} (${this.elapsed.toFixed(1)} s)`);
  }
}

/** The data files named: files as they are, folders as the CSV/TSV files (and SMS collections) in them. */
export function expandDataPaths(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((name) => /\.(csv|tsv)$/i.test(name) || name.startsWith('SMSSpamCollection'))
      .sort()
      .map((name) => join(path, name));
  });
}

export interface ReadFile extends ReadDataset {
  readonly path: string;
}

/** Reads every data file for `task`, logging what each turned out to be. */
export function readDataFiles(paths: readonly string[], task: Task): { files: ReadFile[]; examples: LabelledText[] } {
  const files = expandDataPaths(paths).map((path) => {
    const dataset = readLabelledFile(path, readFileSync(path, 'utf8'), task);
    log(`read ${path}: ${dataset.format}, ${dataset.rows.length} rows${dataset.skipped > 0 ? `, ${dataset.skipped} skipped` : ''}`);
    return { path, ...dataset };
  });
  return { files, examples: files.flatMap((file) => file.rows) };
}

export const fixed = (value: number | undefined, digits = 3): string => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

/** One Markdown table row per label: counts, AUCs, P/R/F1 at the hold and reject thresholds, calibration. */
export function metricsTable(metricsByLabel: Readonly<Record<string, LabelMetrics>>, firstColumn = 'label'): string {
  const lines = [
    `| ${firstColumn} | texts | positives | ROC AUC | PR AUC | hold | P | R | F1 | reject | P | R | F1 | Brier | ECE |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [label, m] of Object.entries(metricsByLabel)) {
    const at = (point: LabelMetrics['atHold']): string[] => (point === undefined ? ['–', '–', '–', '–'] : [fixed(point.threshold, 2), fixed(point.precision), fixed(point.recall), fixed(point.f1)]);
    lines.push(`| ${[label, m.examples, m.positives, fixed(m.rocAuc), fixed(m.prAuc), ...at(m.atHold), ...at(m.atReject), fixed(m.brier), fixed(m.expectedCalibrationError)].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** A reliability diagram as a Markdown table. */
export function reliabilityTable(metrics: LabelMetrics): string {
  const lines = ['| scores | share of texts | mean score | labelled positive |', '|---|---:|---:|---:|'];
  const total = metrics.reliability.reduce((sum, bucket) => sum + bucket.weight, 0);
  for (const bucket of metrics.reliability) {
    if (bucket.weight === 0) continue;
    lines.push(`| ${bucket.from.toFixed(1)}–${bucket.to.toFixed(1)} | ${((100 * bucket.weight) / total).toFixed(1)}% | ${fixed(bucket.meanScore)} | ${fixed(bucket.positiveRate)} |`);
  }
  return lines.join('\n');
}
