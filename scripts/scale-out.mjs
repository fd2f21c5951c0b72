#!/usr/bin/env node
/**
 * Runs Threadkeeper scaled out on one machine: several API processes and several worker processes
 * against one PostgreSQL and one Redis, all sharing one QUEUE_PREFIX, the way a deployment runs
 * them on many machines. Plain Node, built-ins only; needs a build (`npm run build`).
 *
 *   node scripts/scale-out.mjs                     # 2 APIs on ports 3100 and 3101, 2 workers
 *   node scripts/scale-out.mjs --apis 3 --workers 4 --api-port 4000 --worker-port 4100
 *
 * Environment: DATABASE_URL, REDIS_URL, ADMIN_TOKEN, PII_HASH_KEY as for `npm run start:api`
 * (when unset, the local servers of an `npm start` running in another terminal: .local/secrets.json,
 * on TK_LOCAL_PG_PORT and TK_LOCAL_REDIS_PORT like `npm start`), and any other
 * variable of the README (QUEUE_PREFIX, DATABASE_POOL_SIZE, MODERATION_CONCURRENCY, …), passed to
 * every process. The schema is migrated once first (--no-migrate to skip). Ctrl-C (or SIGTERM)
 * stops every process gracefully: in-flight jobs finish first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} needs a whole number`);
    process.exit(2);
  }
  return value;
}

if (process.argv.includes('--help')) {
  console.log('usage: node scripts/scale-out.mjs [--apis 2] [--workers 2] [--api-port 3100] [--worker-port 3110] [--no-migrate]');
  process.exit(0);
}
const apis = option('apis', 2);
const workers = option('workers', 2);
const apiPort = option('api-port', 3100);
const workerPort = option('worker-port', 3110);

/** The variables, or the local servers `npm start` runs. */
function environment() {
  const secretsFile = join(root, '.local', 'secrets.json');
  const secrets = existsSync(secretsFile) ? JSON.parse(readFileSync(secretsFile, 'utf8')) : {};
  const pgPort = process.env.TK_LOCAL_PG_PORT ?? '54329';
  const redisPort = process.env.TK_LOCAL_REDIS_PORT ?? '63799';
  const env = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL ?? (secrets.postgresPassword ? `postgres://threadkeeper:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${pgPort}/threadkeeper` : undefined),
    REDIS_URL: process.env.REDIS_URL ?? (secrets.redisPassword ? `redis://:${encodeURIComponent(secrets.redisPassword)}@127.0.0.1:${redisPort}/0` : undefined),
    ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? secrets.adminToken,
    PII_HASH_KEY: process.env.PII_HASH_KEY ?? secrets.piiHashKey,
  };
  const missing = ['DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'PII_HASH_KEY'].filter((name) => !env[name]);
  if (missing.length > 0) {
    console.error(`${missing.join(', ')} not set, and no .local/secrets.json: run this while \`npm start\` runs in another terminal, or set them`);
    process.exit(2);
  }
  return env;
}

const env = environment();
for (const entry of ['apps/api/src/main.js', 'apps/worker/src/main.js', 'libs/database/src/migrate.js']) {
  if (!existsSync(join(root, 'dist', entry))) {
    console.error(`dist/${entry} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
}

if (!process.argv.includes('--no-migrate')) {
  const migrated = spawnSync(process.execPath, [join(root, 'dist/libs/database/src/migrate.js')], { cwd: root, env, stdio: 'inherit' });
  if (migrated.status !== 0) process.exit(migrated.status ?? 1);
}

const processes = [];
let stopping = false;

function start(name, entry, extraEnv) {
  const child = spawn(process.execPath, [join(root, 'dist', entry)], {
    cwd: root,
    env: { ...env, ...extraEnv, TK_PROCESS: name },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  const entryInfo = { name, child, ...extraEnv, exited: new Promise((done) => child.once('exit', (code, signal) => done(code ?? signal))) };
  entryInfo.exited.then((how) => {
    if (!stopping) console.log(`${prefix}exited (${how}) — the others keep running; Ctrl-C stops them`);
  });
  processes.push(entryInfo);
  return entryInfo;
}

for (let i = 0; i < apis; i++) {
  // Each process has both ports set (the API ignores WORKER_PORT, the worker PORT); distinct so nothing collides.
  start(`api-${i + 1}`, 'apps/api/src/main.js', { PORT: String(apiPort + i), WORKER_PORT: String(workerPort + 50 + i) });
}
for (let i = 0; i < workers; i++) {
  start(`worker-${i + 1}`, 'apps/worker/src/main.js', { WORKER_PORT: String(workerPort + i), PORT: String(apiPort + 50 + i) });
}

async function ready(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const where = [
  ...processes.filter((p) => p.name.startsWith('api')).map((p) => ({ p, url: `http://127.0.0.1:${p.PORT}`, what: 'API' })),
  ...processes.filter((p) => p.name.startsWith('worker')).map((p) => ({ p, url: `http://127.0.0.1:${p.WORKER_PORT}`, what: 'worker health' })),
];
const states = await Promise.all(where.map(({ url }) => ready(`${url}/health/ready`)));
const redisUrl = new URL(env.REDIS_URL);
const databaseUrl = new URL(env.DATABASE_URL);
console.log('');
console.log(`Threadkeeper, ${apis} API and ${workers} worker process(es), one deployment (QUEUE_PREFIX ${env.QUEUE_PREFIX ?? 'tk'}):`);
where.forEach(({ p, url, what }, i) => console.log(`  ${p.name.padEnd(10)} pid ${String(p.child.pid).padEnd(8)} ${what.padEnd(14)} ${url}${states[i] ? '' : '  (NOT READY)'}`));
console.log(`  PostgreSQL ${databaseUrl.host}${databaseUrl.pathname}, Redis ${redisUrl.host}${redisUrl.pathname || '/0'}`);
console.log('Send to any API (put a load balancer in front in production); Ctrl-C stops everything.');
console.log('');

async function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping ${processes.length} processes (in-flight work finishes first)`);
  for (const { child } of processes) if (child.exitCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
  }, 45_000);
  const codes = await Promise.all(processes.map((p) => p.exited));
  clearTimeout(timer);
  processes.forEach((p, i) => console.log(`  ${p.name}: exited ${codes[i]}`));
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
}
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));
