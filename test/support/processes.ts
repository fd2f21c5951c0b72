import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export interface RunningProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts a built entrypoint (npm test builds dist/ first) as a real process. */
export function startProcess(entry: 'api' | 'worker', env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(process.execPath, [resolve(root, `dist/apps/${entry}/src/main.js`)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Waits until `url` answers 2xx from a started process. A process that exits first fails the wait
 * at once, and either failure shows the end of what the process printed (why it did not start).
 */
export async function waitUntilReady(process: RunningProcess, what: string, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const printed = () => process.output().slice(-3000);
  while (Date.now() < deadline) {
    const { exitCode, signalCode } = process.child;
    if (exitCode !== null || signalCode !== null) throw new Error(`${what} exited (${exitCode ?? signalCode}) before it answered ${url}; it printed:\n${printed()}`);
    if (await fetch(url).then((response) => response.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} to answer ${url}; it printed:\n${printed()}`);
}

/** Where the kernel starts picking the local ports of outgoing connections (Linux; 32768 elsewhere). */
const EPHEMERAL_PORTS_START = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
})();
const handedOut = new Set<number>();

/**
 * A port for a child process to listen on: never one handed out before in this process, and below
 * the kernel's range for outgoing connections. A random port in that range can be the local end
 * of one of the many connections the tests hold to PostgreSQL and Redis, and the child given it
 * cannot listen (EADDRINUSE).
 */
export function freePort(): number {
  const low = 20_000;
  const high = Math.max(low + 1_000, EPHEMERAL_PORTS_START);
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** SIGTERM to the processes still running, then waits for every one to exit. */
export async function stopProcesses(processes: RunningProcess[]): Promise<void> {
  await Promise.all(
    processes.map(async ({ child, exited }) => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }),
  );
}
