/**
 * Summarises V8 CPU profiles (`node --cpu-prof` writes them as .cpuprofile JSON): self time per
 * function and per package, so "where the time goes" is a table, not a flame graph.
 *
 *   node dist/tools/bench-profile.js <file.cpuprofile | folder> [--top 25]
 *
 * Used by tools/bench.ts on the profiles it takes of the API and the worker under load.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** `name (file:line)`, or a V8 pseudo-frame: (garbage collector), (idle), (program). */
  name: string;
  /** The package (node_modules name), `node:` for Node's own code, `app` for this repository, or the pseudo-frame. */
  where: string;
  ms: number;
  /** Share of the sampled time that was not idle. */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Wall time the profile covers. */
  wallMs: number;
  /** Sampled time spent on the CPU (everything but "(idle)"). */
  busyMs: number;
  /** busyMs / wallMs: how much of one core the process used. */
  cpuShare: number;
  functions: SelfTime[];
  packages: SelfTime[];
  /** Busy time by the repository's own files (apps/, libs/), with everything they called that was not itself app code. */
  appFiles: SelfTime[];
  /** Time with the function anywhere on the stack (counted once per sample), every function with a script. */
  inclusive: SelfTime[];
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Which package a script URL belongs to. */
export function packageOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const marker = `${sep}node_modules${sep}`;
  const at = path.lastIndexOf(marker);
  if (at >= 0) {
    const rest = path.slice(at + marker.length).split(sep);
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith(root)) return 'app';
  return path;
}

function shortUrl(url: string): string {
  if (!url) return '';
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const marker = `${sep}node_modules${sep}`;
  const at = path.lastIndexOf(marker);
  if (at >= 0) return path.slice(at + marker.length);
  return path.startsWith(root) ? relative(root, path) : path;
}

/**
 * `fromMs` / `toMs`: only the samples taken that long after the profile started (to leave out
 * start-up and shutdown).
 */
export function summariseProfile(file: string, top = 25, window: { fromMs?: number; toMs?: number } = {}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  const fromUs = (window.fromMs ?? 0) * 1000;
  const toUs = (window.toMs ?? Infinity) * 1000;
  // timeDeltas[i] is the time before sample i; the time sample i stands for is the next delta.
  let at = 0;
  let firstUs = Infinity;
  let lastUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    firstUs = Math.min(firstUs, at);
    lastUs = Math.max(lastUs, at);
    const delta = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, delta));
  }
  const functions = new Map<string, { where: string; us: number }>();
  const packages = new Map<string, number>();
  const appFiles = new Map<string, number>();
  const inclusive = new Map<string, { where: string; us: number }>();
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    const pseudo = callFrame.functionName.startsWith('(') && !callFrame.url;
    const where = pseudo ? callFrame.functionName : packageOf(callFrame.url);
    if (callFrame.functionName === '(idle)') continue;
    busyUs += us;
    const name = pseudo
      ? callFrame.functionName
      : `${callFrame.functionName || '(anonymous)'} (${shortUrl(callFrame.url) || 'native'}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''})`;
    const entry = functions.get(name) ?? { where, us: 0 };
    entry.us += us;
    functions.set(name, entry);
    packages.set(where, (packages.get(where) ?? 0) + us);
    // Attribute to the nearest app frame on the stack (self or an ancestor), if any.
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (packageOf(frame.url) === 'app') {
        const path = shortUrl(frame.url);
        appFiles.set(path, (appFiles.get(path) ?? 0) + us);
        break;
      }
    }
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url) continue;
      const label = `${frame.functionName || '(anonymous)'} (${shortUrl(frame.url)}:${frame.lineNumber + 1})`;
      if (seen.has(label)) continue;
      seen.add(label);
      const entry = inclusive.get(label) ?? { where: packageOf(frame.url), us: 0 };
      entry.us += us;
      inclusive.set(label, entry);
    }
  }
  const wallUs = window.fromMs === undefined && window.toMs === undefined ? profile.endTime - profile.startTime : Math.max(0, lastUs - firstUs);
  const rows = (entries: Iterable<[string, { where: string; us: number }]>) =>
    [...entries]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([name, { where, us }]) => ({ name, where, ms: us / 1000, share: busyUs ? us / busyUs : 0 }));
  return {
    file,
    wallMs: wallUs / 1000,
    busyMs: busyUs / 1000,
    cpuShare: wallUs ? busyUs / wallUs : 0,
    functions: rows(functions),
    packages: rows([...packages].map(([name, us]) => [name, { where: name, us }])),
    appFiles: rows([...appFiles].map(([name, us]) => [name, { where: 'app', us }])),
    inclusive: rows(inclusive),
  };
}

/** Every .cpuprofile in a folder (a process writes one file when it exits). */
export function profilesIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(folder, name));
}

export function formatSummary(summary: ProfileSummary, top = 15): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `${summary.file}: ${summary.wallMs.toFixed(0)} ms wall, ${summary.busyMs.toFixed(0)} ms on CPU (${pct(summary.cpuShare)} of a core)`,
    '',
    'self time by package:',
    ...summary.packages.slice(0, top).map((p) => `  ${pct(p.share).padStart(7)}  ${p.name}`),
    '',
    'self time by function:',
    ...summary.functions.slice(0, top).map((f) => `  ${pct(f.share).padStart(7)}  ${f.name}`),
    '',
    'inclusive time of the nearest app frame:',
    ...summary.appFiles.slice(0, top).map((f) => `  ${pct(f.share).padStart(7)}  ${f.name}`),
    '',
    'inclusive time by function:',
    ...summary.inclusive.slice(0, top).map((f) => `  ${pct(f.share).padStart(7)}  ${f.name}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  if (args.length === 0) {
    process.stderr.write('usage: node dist/tools/bench-profile.js <file.cpuprofile | folder>... [--top 25]\n');
    process.exit(2);
  }
  for (const arg of args) {
    const files = statSync(arg).isDirectory() ? profilesIn(arg) : [arg];
    for (const file of files) process.stdout.write(`${formatSummary(summariseProfile(file, top), top)}\n\n`);
  }
}
