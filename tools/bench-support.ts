/**
 * Pieces of the benchmarks (tools/bench*.ts) that are not benchmarks themselves: child processes and their CPU
 * time, comment texts from the shared data sets, statistics, and rewriting one section of a
 * markdown file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/tools/). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------
// Processes

export interface Child {
  name: string;
  child: ChildProcess;
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** A built entrypoint (dist/apps/<entry>/src/main.js) as a child process, with extra node flags. */
export function startChild(name: string, script: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Child {
  const child = spawn(process.execPath, [...nodeFlags, resolve(ROOT, script)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    name,
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls until probe answers truthy; the error names what was awaited. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** A port nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU time (user + system, ms) a process has used so far; null where /proc cannot tell. */
export function cpuTimeMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3, utime 14 and stime 15 (1-based) → indexes 11 and 12 here.
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
  } catch {
    return null;
  }
}

/** CPU time of several processes together (ms), ignoring those /proc no longer shows. */
export function cpuTimeOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuTimeMs(pid) ?? 0), 0);
}

/** Machine-wide CPU counters from /proc/stat: busy and total jiffies. */
export function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = values[3] + (values[4] ?? 0);
    const total = values.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Texts

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else if (char !== '\r') field += char;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function csvColumn(path: string, column: string): string[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const at = header.indexOf(column);
  return at < 0 ? [] : rows.filter((row) => row.length === header.length).map((row) => row[at]);
}

function tsvColumn(path: string, at: number, skipHeader: boolean): string[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return (skipHeader ? lines.slice(1) : lines).map((line) => line.split('\t')[at] ?? '');
}

/** A seeded generator (mulberry32): the same texts and payloads on every run. */
export function randomGenerator(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A shuffled copy (Fisher–Yates with the given generator). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const shuffled = [...items];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  return shuffled;
}

/** What the API accepts as text: no NUL or control characters other than tab and newlines, no lone surrogates. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .trim();
}

/** The shared data sets by short name, each with how to read its comment texts. */
const SOURCES: Readonly<Record<string, (folder: string) => string[]>> = {
  jigsaw: (folder) => readdirSync(join(folder, 'jigsaw_toxic_train')).filter((f) => f.startsWith('train.') && f.endsWith('.csv')).flatMap((f) => csvColumn(join(folder, 'jigsaw_toxic_train', f), 'comment_text')),
  davidson: (folder) => csvColumn(join(folder, 'davidson_hate_offensive', 'labeled_data.csv'), 'tweet'),
  olid: (folder) => tsvColumn(join(folder, 'olid_offenseval2019', 'olid-training-v1.0.tsv'), 1, true),
  sms: (folder) => tsvColumn(join(folder, 'sms_spam_collection', 'SMSSpamCollection'), 1, false),
  youtube: (folder) => readdirSync(join(folder, 'youtube_spam_collection')).filter((f) => f.endsWith('.csv')).flatMap((f) => csvColumn(join(folder, 'youtube_spam_collection', f), 'CONTENT')),
};

/** Shares of the engine and model timing samples: news-like talk first, tweets and spam after. */
export const TIMING_SHARES: Readonly<Record<string, number>> = { jigsaw: 0.35, davidson: 0.15, olid: 0.15, sms: 0.15, youtube: 0.2 };

export interface SampledText {
  source: string;
  text: string;
}

/**
 * About `count` texts from the shared data sets (read only), each source giving its share,
 * shuffled with a fixed seed, longer ones than maxLength left out. A missing data set is skipped.
 */
export function sampleTexts(folder: string, options: { count: number; shares: Readonly<Record<string, number>>; maxLength?: number; seed: number }): SampledText[] {
  const random = randomGenerator(options.seed);
  const picked: SampledText[] = [];
  for (const [source, share] of Object.entries(options.shares)) {
    let texts: string[];
    try {
      texts = SOURCES[source](folder).map(clean).filter((t) => t.length > 0 && t.length <= (options.maxLength ?? Infinity));
    } catch {
      continue;
    }
    for (const text of shuffle(texts, random).slice(0, Math.round(options.count * share))) picked.push({ source, text });
  }
  return shuffle(picked, random);
}

/** The comments of a seed thread: a "• Author" line, then the body lines. */
export function readThread(path: string): string[] {
  const comments: string[][] = [];
  for (const line of readFileSync(path, 'utf8').split('\n').map((raw) => raw.trim())) {
    if (line.startsWith('•')) comments.push([]);
    else if (line !== '' && comments.length > 0) comments[comments.length - 1].push(line);
  }
  return comments.map((lines) => lines.join('\n')).filter((text) => text !== '');
}

/** Every comment of the seed threads in a folder (none when it is missing). */
export function seedComments(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.txt')).flatMap((name) => readThread(join(folder, name))) : [];
}

export interface TextSample {
  texts: string[];
  sources: Record<string, number>;
  meanLength: number;
}

/**
 * Comment texts for the pipeline load, the sources in equal shares: real comment lengths and
 * vocabulary. Texts longer than maxLength are left out so a 1,000-comment batch stays under the
 * API's request size limit.
 */
export function loadTexts(folder: string, count: number, maxLength: number): TextSample {
  const shares = Object.fromEntries(Object.keys(SOURCES).map((source) => [source, 1 / Object.keys(SOURCES).length]));
  const sampled = sampleTexts(folder, { count, shares, maxLength, seed: 20261125 });
  const texts = sampled.map(({ text }) => text);
  const sources: Record<string, number> = {};
  for (const { source } of sampled) sources[source] = (sources[source] ?? 0) + 1;
  if (texts.length === 0) {
    // No data sets on this machine: made-up comments still exercise the pipeline.
    for (let i = 0; i < count; i++) texts.push(`Comment ${i}: the council should have finished the bridge years ago, and the figures look off.`);
    sources.synthetic = texts.length;
  }
  return { texts, sources, meanLength: texts.reduce((s, t) => s + t.length, 0) / texts.length };
}

export function datasetsFolder(): string | null {
  const folder = process.env.DATASETS ?? '/work/shared/datasets';
  return existsSync(folder) ? folder : null;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    mean: sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

/** Least-squares slope of y over x. */
export function slope(points: [x: number, y: number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// ---------------------------------------------------------------------------------------------
// Markdown

/**
 * Replaces the level-2 section `heading` (from its "## " line to the next "## " line) with
 * `body`, or appends it; every other section is left exactly as it was.
 */
export function replaceSection(markdown: string, heading: string, body: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  const section = `## ${heading}\n\n${body.trim()}\n`;
  if (start < 0) return `${markdown.replace(/\s*$/, '')}\n\n${section}`;
  let end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n');
  const after = lines.slice(end).join('\n');
  return `${before}${before ? '\n' : ''}${section}${after ? `\n${after}` : ''}`.replace(/\n{3,}/g, '\n\n');
}

/** The text of a level-2 section (without its heading), or null. */
export function readSection(markdown: string, heading: string): string | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${heading}`);
  if (start < 0) return null;
  let end = lines.findIndex((line, i) => i > start && /^## /.test(line));
  if (end < 0) end = lines.length;
  return lines.slice(start + 1, end).join('\n');
}

export function table(header: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string {
  const sep = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [header, sep, ...rows.map((row) => row.map(String))].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

export const fmt = (value: number | null | undefined, digits = 0): string =>
  value === Infinity ? '∞' : value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const ratio = (value: number | null | undefined, digits = 2): string =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : `${value.toFixed(digits)}×`;
