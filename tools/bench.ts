/**
 * Benchmarks the whole pipeline on this machine: ingest throughput (single and batch endpoints),
 * worker drain rate, ingest → decision latency at fixed offered loads, the highest rate sustained
 * for a minute, engine time per comment, and CPU profiles of the API and the worker under load.
 * Every figure comes with the machine's own baselines from the same run (PostgreSQL batched
 * inserts and single-row commits, BullMQ no-op jobs, a bare node:http server), so runs on noisy
 * or different machines compare as ratios.
 *
 *   npm run bench            # while `npm start` runs in another terminal, or with DATABASE_URL / REDIS_URL set
 *
 * It provisions nothing. It needs DATABASE_URL, REDIS_URL, ADMIN_TOKEN and PII_HASH_KEY (when
 * unset, they are read from .local/secrets.json the way `npm start` writes them), creates its own
 * database (BENCH_DATABASE, default: the DATABASE_URL's name + "_bench", dropped and created
 * afresh, dropped again at the end unless BENCH_KEEP_DATABASE=1), migrates it, and starts its own
 * API and worker processes from dist/ on free ports with their own QUEUE_PREFIX. Progress goes to
 * stderr; the results to the "Pipeline" and "Where the time goes" sections of docs/benchmarks.md
 * and to docs/benchmarks/pipeline.json (BENCH_WRITE=0: print only).
 *
 * Other knobs: BENCH_SCALE (duration multiplier, default 1; 0.3 for a smoke run), BENCH_PROFILE=0
 * (skip the profiles), BENCH_SKIP (e2e,sustained,profile: leave phases out), DATASETS (default
 * /work/shared/datasets).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ModerationEngine } from '#app/moderation-engine';
import { loadNewestModels } from '#app/site-policy';
import { createModelScorer } from '#app/text-models';
import { moderateJobOptions, QUEUES, redisOptions } from '#app/queue';
import { closedLoop, CommentFactory, HttpClient, openLoop, type OpenLoopResult, type RunResult } from './bench-load.js';
import { formatSummary, profilesIn, summariseProfile, type ProfileSummary } from './bench-profile.js';
import {
  type Child,
  cpuTimeMs,
  cpuTimeOf,
  datasetsFolder,
  distribution,
  type Distribution,
  fmt,
  freePort,
  loadTexts,
  log,
  machineCpu,
  ratio,
  readSection,
  replaceSection,
  ROOT,
  sleep,
  slope,
  startChild,
  table,
  waitFor,
} from './bench-support.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const seconds = (s: number) => Math.max(2_000, Math.round(s * SCALE * 1000));
const WRITE = process.env.BENCH_WRITE !== '0';
/** Phases to leave out, comma-separated: e2e, sustained, profile (for quick comparisons; the docs are then partial). */
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const PROFILE = process.env.BENCH_PROFILE !== '0' && !SKIP.has('profile');
/** Up to 256: with the API at tens of milliseconds a request, fewer connections measure latency, not capacity. */
const SINGLE_CONNECTIONS = [8, 32, 64, 256];
const BATCH_SIZES = [100, 1000];
const BATCH_CONNECTIONS = 4;
const E2E_RATES = [200, 1000, 2000];
/** End to end through the batch endpoint: comments per second offered, in requests of this many. */
const E2E_BATCH = { rate: 8000, size: 100 };
const TARGETS = { single: 2000, batch: 8000, p99At1000: 250 };

// ---------------------------------------------------------------------------------------------
// Environment

interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  adminToken: string;
  piiHashKey: string;
}

/** The variables `npm start` uses, or the local servers it runs (.local/secrets.json, its TK_LOCAL_* ports). */
function environment(): BenchEnv {
  const secretsFile = join(ROOT, '.local', 'secrets.json');
  const secrets = existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>) : {};
  const pgPort = process.env.TK_LOCAL_PG_PORT ?? '54329';
  const redisPort = process.env.TK_LOCAL_REDIS_PORT ?? '63799';
  const local = (user: string, password: string | undefined, rest: string) => (password ? `${user}:${encodeURIComponent(password)}@${rest}` : '');
  const env: BenchEnv = {
    databaseUrl: process.env.DATABASE_URL ?? (secrets.postgresPassword ? `postgres://${local('threadkeeper', secrets.postgresPassword, `127.0.0.1:${pgPort}/threadkeeper`)}` : ''),
    redisUrl: process.env.REDIS_URL ?? (secrets.redisPassword ? `redis://${local('', secrets.redisPassword, `127.0.0.1:${redisPort}/0`)}` : ''),
    adminToken: process.env.ADMIN_TOKEN ?? secrets.adminToken ?? '',
    piiHashKey: process.env.PII_HASH_KEY ?? secrets.piiHashKey ?? '',
  };
  const missing = Object.entries({ DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, ADMIN_TOKEN: env.adminToken, PII_HASH_KEY: env.piiHashKey })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} not set and no .local/secrets.json: run while \`npm start\` runs in another terminal, or set them`);
  }
  return env;
}

/** Drops and creates the bench's own database, migrates it, and answers its URL. */
async function createBenchDatabase(databaseUrl: string): Promise<{ url: string; name: string }> {
  const url = new URL(databaseUrl);
  const base = decodeURIComponent(url.pathname.slice(1)) || 'threadkeeper';
  const name = process.env.BENCH_DATABASE ?? (base.endsWith('_bench') ? base : `${base}_bench`);
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`BENCH_DATABASE must be lower-case letters, digits and _: ${name}`);
  const admin = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  execFileSync(process.execPath, [join(ROOT, 'dist/libs/database/src/migrate.js')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url.toString() },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { url: url.toString(), name };
}

/** The same server's `postgres` database: a database cannot be dropped from a connection to itself. */
function maintenanceUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

async function dropBenchDatabase(databaseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

interface MachineFacts {
  cores: number;
  cpuModel: string;
  node: string;
  postgres: string;
  postgresSettings: Record<string, string>;
  redis: string;
  loadAverageStart: number;
  loadAverageEnd?: number;
  /** Share of the machine's CPU that was busy during the run (all processes, ours included). */
  machineBusyShare?: number;
}

async function machineFacts(db: pg.Pool, redis: Redis): Promise<MachineFacts> {
  const [{ version }] = (await db.query('SELECT version()')).rows as { version: string }[];
  const settings: Record<string, string> = {};
  for (const name of ['max_connections', 'shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'checkpoint_timeout']) {
    settings[name] = (await db.query(`SELECT current_setting($1) AS v`, [name])).rows[0].v as string;
  }
  const info = await redis.info('server');
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    postgres: /PostgreSQL [\d.]+/.exec(version)?.[0] ?? version,
    postgresSettings: settings,
    redis: `Redis ${/redis_version:([\d.]+)/.exec(info)?.[1] ?? '?'}`,
    loadAverageStart: loadavg()[0],
  };
}

// ---------------------------------------------------------------------------------------------
// Baselines

interface Baselines {
  postgresBatchRowsPerSecond: number;
  postgresSingleCommitsPerSecond: number;
  bullmqAddPerSecond: number;
  bullmqNoopPerSecond: number;
  httpRequestsPerSecond: number;
}

/** A logged table as wide as `comments`, with a primary key and one unique index. */
const BASELINE_TABLE = `
  CREATE TABLE bench_baseline_rows (
    id uuid PRIMARY KEY, site_id uuid NOT NULL, article_id uuid NOT NULL, author_id uuid NOT NULL,
    external_id text NOT NULL, parent_external_id text, body text NOT NULL, status text NOT NULL,
    content_hash text NOT NULL, author_ip_hash text, user_agent text,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (site_id, external_id))`;
const BASELINE_INSERT = `
  INSERT INTO bench_baseline_rows (id, site_id, article_id, author_id, external_id, parent_external_id, body, status, content_hash, author_ip_hash, user_agent)
  SELECT gen_random_uuid(), $1, $2, $3, e, NULL, b, 'pending', md5(e), md5(b), 'bench'
    FROM unnest($4::text[], $5::text[]) AS r(e, b)`;

async function postgresBaselines(db: pg.Pool, texts: string[]): Promise<Pick<Baselines, 'postgresBatchRowsPerSecond' | 'postgresSingleCommitsPerSecond'>> {
  await db.query(BASELINE_TABLE);
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  let n = 0;
  const rows = (count: number) => {
    const external: string[] = [];
    const bodies: string[] = [];
    for (let i = 0; i < count; i++, n++) {
      external.push(`row-${n}`);
      bodies.push(texts[n % texts.length]);
    }
    return [...ids, external, bodies];
  };
  // Batches of 1,000 rows, one statement and one commit each, two at a time (the API's batch shape).
  let batchRows = 0;
  const batchEnd = performance.now() + seconds(6);
  const batchStart = performance.now();
  await Promise.all(
    [0, 1].map(async () => {
      while (performance.now() < batchEnd) {
        await db.query(BASELINE_INSERT, rows(1000));
        batchRows += 1000;
      }
    }),
  );
  const postgresBatchRowsPerSecond = batchRows / ((performance.now() - batchStart) / 1000);
  log(`  PostgreSQL: ${fmt(postgresBatchRowsPerSecond)} rows/s in 1,000-row INSERTs`);
  // One row per statement and commit, 32 at once (the shape of one comment per request).
  let commits = 0;
  const singleEnd = performance.now() + seconds(6);
  const singleStart = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() < singleEnd) {
        await db.query(BASELINE_INSERT, rows(1));
        commits++;
      }
    }),
  );
  const postgresSingleCommitsPerSecond = commits / ((performance.now() - singleStart) / 1000);
  log(`  PostgreSQL: ${fmt(postgresSingleCommitsPerSecond)} single-row INSERT commits/s at 32 connections`);
  await db.query('DROP TABLE bench_baseline_rows');
  return { postgresBatchRowsPerSecond, postgresSingleCommitsPerSecond };
}

/** BullMQ with an empty processor: what the queue alone costs on this machine. */
async function bullmqBaseline(redisUrl: string, prefix: string): Promise<Pick<Baselines, 'bullmqAddPerSecond' | 'bullmqNoopPerSecond'>> {
  const total = Math.max(5000, Math.round(20_000 * SCALE));
  const queue = new Queue('noop', { connection: redisOptions(redisUrl, 'consumer'), prefix });
  const options = moderateJobOptions({ attempts: 8, backoffMs: 1000 });
  const addStart = performance.now();
  for (let i = 0; i < total; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, total - i) }, (_, k) => ({
        name: 'noop',
        data: { checks: [{ commentId: randomUUID(), revision: 1 }] },
        opts: { ...options, jobId: `noop-${i + k}` },
      })),
    );
  }
  const bullmqAddPerSecond = total / ((performance.now() - addStart) / 1000);
  let done = 0;
  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const drainStart = performance.now();
  const worker = new Worker(
    'noop',
    async () => {
      if (++done === total) finished();
    },
    { connection: redisOptions(redisUrl, 'consumer'), prefix, concurrency: 16 },
  );
  await Promise.race([allDone, sleep(120_000)]);
  const bullmqNoopPerSecond = done / ((performance.now() - drainStart) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  log(`  BullMQ: ${fmt(bullmqAddPerSecond)} jobs/s added in bulks of 1,000; ${fmt(bullmqNoopPerSecond)} no-op jobs/s processed (concurrency 16)`);
  return { bullmqAddPerSecond, bullmqNoopPerSecond };
}

const HELLO_SERVER = `
const { createServer } = require('node:http');
const answer = Buffer.from(JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', externalId: 'x', status: 'pending' }));
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString() || 'null');
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer);
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\\n'));`;

/** A bare node:http server that parses the JSON and answers 202: the ceiling of HTTP and this load generator. */
async function httpBaseline(comments: CommentFactory): Promise<number> {
  const port = await freePort();
  const { spawn } = await import('node:child_process');
  const server = spawn(process.execPath, ['-e', HELLO_SERVER], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => server.stdout.once('data', () => resolve()));
  const client = new HttpClient(port, 'none');
  let n = 0;
  const result = await closedLoop(32, seconds(4), async () => {
    const answer = await client.send('POST', '/v1/comments', JSON.stringify(comments.make(`hello-${n++}`)), undefined, false);
    return { status: answer.status, accepted: answer.status === 202 ? 1 : 0 };
  });
  client.close();
  server.kill();
  const perSecond = result.accepted / result.seconds;
  log(`  node:http: ${fmt(perSecond)} requests/s at 32 connections`);
  return perSecond;
}

// ---------------------------------------------------------------------------------------------
// Engine

interface EngineTiming {
  texts: number;
  meanLength: number;
  /** Whole timed passes. */
  perSecond: number;
  meanUs: number;
  /** Per text (each text's median over the passes). */
  p50Us: number;
  p99Us: number;
  actions: Record<string, number>;
}

/** The engine as the worker runs it: default policy, the built-in models as its scorer. */
function engineTiming(texts: string[]): EngineTiming {
  const engine = new ModerationEngine({}, { scorers: [createModelScorer(loadNewestModels(join(ROOT, 'models')))] });
  const inputs = texts.map((body, i) => ({
    body,
    author: { id: `reader-${i % 5000}`, name: 'Reader', approvedCount: i % 7, accountAgeDays: i % 400 },
    article: { id: `article-${i % 300}`, title: 'An article' },
    signals: { authorRepeatCount: 1, distinctAuthorsSameText: 1, authorPostsLastMinute: 1 + (i % 3), ipPostsLastMinute: 1 },
  }));
  const actions: Record<string, number> = {};
  for (const input of inputs) {
    const verdict = engine.evaluate(input);
    actions[verdict.action] = (actions[verdict.action] ?? 0) + 1;
  }
  for (const input of inputs) engine.evaluate(input); // warm-up
  const rounds = 5;
  const each: number[][] = inputs.map(() => []);
  let wholeMs = 0;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (const input of inputs) engine.evaluate(input);
    wholeMs += performance.now() - start;
    inputs.forEach((input, i) => {
      const at = performance.now();
      engine.evaluate(input);
      each[i].push((performance.now() - at) * 1000);
    });
  }
  const medians = each.map((times) => times.sort((a, b) => a - b)[Math.floor(times.length / 2)]);
  const dist = distribution(medians);
  const perSecond = (inputs.length * rounds) / (wholeMs / 1000);
  return {
    texts: inputs.length,
    meanLength: texts.reduce((s, t) => s + t.length, 0) / texts.length,
    perSecond,
    meanUs: 1e6 / perSecond,
    p50Us: dist.p50,
    p99Us: dist.p99,
    actions,
  };
}

// ---------------------------------------------------------------------------------------------
// The stack under test

interface Stack {
  prefix: string;
  dbUrl: string;
  env: BenchEnv;
  api: Child | null;
  apiPort: number;
  workers: Child[];
  client: HttpClient;
  site: { id: string; apiKey: string };
  queue: Queue;
  db: pg.Pool;
}

function childEnv(stack: Pick<Stack, 'prefix' | 'dbUrl' | 'env'>, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: stack.dbUrl,
    REDIS_URL: stack.env.redisUrl,
    ADMIN_TOKEN: stack.env.adminToken,
    PII_HASH_KEY: stack.env.piiHashKey,
    QUEUE_PREFIX: stack.prefix,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    NODE_ENV: 'production',
    ...extra,
  };
}

async function startApi(stack: Pick<Stack, 'prefix' | 'dbUrl' | 'env'>, port: number, nodeFlags: string[] = []): Promise<Child> {
  const api = startChild('api', 'dist/apps/api/src/main.js', childEnv(stack, { PORT: String(port), WORKER_PORT: String(await freePort()), TK_PROCESS: 'bench-api' }), nodeFlags);
  await waitFor('the API to be ready', async () => {
    if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.output().slice(-2000)}`);
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok;
  }, 60_000);
  return api;
}

async function startWorker(stack: Pick<Stack, 'prefix' | 'dbUrl' | 'env'>, nodeFlags: string[] = []): Promise<Child> {
  const port = await freePort();
  const worker = startChild('worker', 'dist/apps/worker/src/main.js', childEnv(stack, { WORKER_PORT: String(port), PORT: String(await freePort()), TK_PROCESS: 'bench-worker' }), nodeFlags);
  await waitFor('the worker to be ready', async () => {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${worker.output().slice(-2000)}`);
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok;
  }, 60_000);
  return worker;
}

/** PIDs of the PostgreSQL backends serving the bench database (local servers only; empty otherwise). */
async function backendPids(db: pg.Pool, name: string): Promise<number[]> {
  const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
  return rows.map((r: { pid: number }) => r.pid).filter((pid: number) => cpuTimeMs(pid) !== null);
}

interface CpuUse<T> {
  result: T;
  apiMs: number;
  workerMs: number;
  postgresMs: number;
  wallMs: number;
  /** Cores kept busy by everything else on the machine (other users' processes, Redis, the rest of PostgreSQL). */
  otherCores: number;
}

/** CPU used by our processes and the database's backends across a phase, and by everyone else. */
async function measureCpu<T>(stack: Stack, dbName: string, run: () => Promise<T>): Promise<CpuUse<T>> {
  // Backends come and go (pools open connections on demand and close idle ones): count each
  // backend alive at the end from its value at the start, or from zero when it is new.
  const pgBefore = new Map((await backendPids(stack.db, dbName)).map((pid) => [pid, cpuTimeMs(pid) ?? 0]));
  const apiPids = stack.api ? [stack.api.pid] : [];
  const workerPids = stack.workers.map((w) => w.pid);
  const machineBefore = machineCpu();
  const selfBefore = process.cpuUsage();
  const before = { api: cpuTimeOf(apiPids), worker: cpuTimeOf(workerPids), at: performance.now() };
  const result = await run();
  const wallMs = performance.now() - before.at;
  let postgresMs = 0;
  for (const pid of await backendPids(stack.db, dbName)) postgresMs += (cpuTimeMs(pid) ?? 0) - (pgBefore.get(pid) ?? 0);
  const apiMs = cpuTimeOf(apiPids) - before.api;
  const workerMs = cpuTimeOf(workerPids) - before.worker;
  const self = process.cpuUsage(selfBefore);
  const machineAfter = machineCpu();
  const machineBusyMs = machineBefore && machineAfter ? (machineAfter.busy - machineBefore.busy) * 10 : NaN;
  const otherMs = machineBusyMs - apiMs - workerMs - postgresMs - (self.user + self.system) / 1000;
  return { result, apiMs, workerMs, postgresMs, wallMs, otherCores: Math.max(0, otherMs / wallMs) };
}

/** Comments stored and not yet decided: the backlog in comments (a queued job may carry up to 100). */
async function backlog(stack: Pick<Stack, 'db' | 'site'>): Promise<number> {
  return Number((await stack.db.query(`SELECT count(*) AS n FROM comments WHERE site_id = $1 AND status = 'pending'`, [stack.site.id])).rows[0].n);
}

/**
 * Drops the backlog between phases: the comments still pending are marked withdrawn (so the
 * worker's reconciler, which re-queues pending comments that have no job, leaves them alone) and
 * their jobs removed; then waits for the jobs already running.
 */
async function discardBacklog(stack: Pick<Stack, 'db' | 'queue' | 'site'>): Promise<void> {
  // Comments a worker is recording meanwhile are left to it (they will not stay pending): waiting
  // for their locks while holding others could deadlock with it.
  await stack.db.query(
    `UPDATE comments SET status = 'deleted', deleted_at = now(), updated_at = now()
      WHERE id IN (SELECT id FROM comments WHERE site_id = $1 AND status = 'pending' FOR UPDATE SKIP LOCKED)`,
    [stack.site.id],
  );
  await stack.queue.drain(true);
  await waitFor('active jobs to finish', async () => (await stack.queue.getJobCounts('active')).active === 0, 30_000, 200).catch(() => undefined);
}

/** Comments the bench site holds: ingest's cost depends on it (see "Where the time goes"). */
async function siteComments(stack: Pick<Stack, 'db' | 'site'>): Promise<number> {
  return Number((await stack.db.query(`SELECT count(*) AS n FROM comments WHERE site_id = $1`, [stack.site.id])).rows[0].n);
}

async function decisionsCount(db: pg.Pool): Promise<number> {
  return Number((await db.query(`SELECT count(*) AS n FROM decisions WHERE kind = 'check'`)).rows[0].n);
}

// ---------------------------------------------------------------------------------------------
// Phases

interface IngestFigure {
  endpoint: 'single' | 'batch';
  connections: number;
  batchSize: number;
  seconds: number;
  commentsPerSecond: number;
  requestsPerSecond: number;
  statuses: Record<string, number>;
  latencyMs: Distribution;
  apiCpuUsPerComment: number;
  postgresCpuUsPerComment: number;
  otherCores: number;
  /** Comments the site held when the run started. */
  siteComments: number;
}

function ingestFigure(endpoint: 'single' | 'batch', connections: number, batchSize: number, measured: CpuUse<RunResult>, siteCommentsAtStart: number): IngestFigure {
  const { result } = measured;
  return {
    endpoint,
    connections,
    batchSize,
    seconds: result.seconds,
    commentsPerSecond: result.accepted / result.seconds,
    requestsPerSecond: result.requests / result.seconds,
    statuses: result.statuses,
    latencyMs: result.latency,
    apiCpuUsPerComment: result.accepted ? (measured.apiMs * 1000) / result.accepted : NaN,
    postgresCpuUsPerComment: result.accepted ? (measured.postgresMs * 1000) / result.accepted : NaN,
    otherCores: measured.otherCores,
    siteComments: siteCommentsAtStart,
  };
}

async function sendSingle(stack: Stack, comments: CommentFactory, externalId: string): Promise<{ status: number; accepted: number; body?: string }> {
  const answer = await stack.client.send('POST', '/v1/comments', JSON.stringify(comments.make(externalId)));
  return { status: answer.status, accepted: answer.status === 202 ? 1 : 0, body: answer.body };
}

async function sendBatch(stack: Stack, comments: CommentFactory, label: string, size: number, first = 0): Promise<{ status: number; accepted: number; body?: string }> {
  const items = Array.from({ length: size }, (_, i) => comments.make(`${label}-${first + i}`));
  const answer = await stack.client.send('POST', '/v1/comments/batch', JSON.stringify({ comments: items }));
  const accepted = answer.status === 200 ? ((JSON.parse(answer.body) as { accepted: number }).accepted ?? 0) : 0;
  return { status: answer.status, accepted, body: answer.status === 200 ? undefined : answer.body };
}

interface DrainFigure {
  workers: number;
  seconds: number;
  decisionsPerSecond: number;
  workerCpuUsPerDecision: number;
  postgresCpuUsPerDecision: number;
  otherCores: number;
}

/** Decisions per second while the workers work through a pre-filled queue. */
async function drainPhase(stack: Stack, dbName: string, durationMs: number): Promise<DrainFigure | null> {
  const startCount = await decisionsCount(stack.db);
  const measured = await measureCpu(stack, dbName, async () => {
    const end = performance.now() + durationMs;
    while (performance.now() < end && (await backlog(stack)) > 0) await sleep(250);
  });
  const decided = (await decisionsCount(stack.db)) - startCount;
  if (decided === 0) return null;
  const secondsTaken = measured.wallMs / 1000;
  return {
    workers: stack.workers.length,
    seconds: secondsTaken,
    decisionsPerSecond: decided / secondsTaken,
    workerCpuUsPerDecision: (measured.workerMs * 1000) / decided,
    postgresCpuUsPerDecision: (measured.postgresMs * 1000) / decided,
    otherCores: measured.otherCores,
  };
}

interface LatencyFigure {
  /** Comments per request: 1 through the single endpoint, more through the batch endpoint. */
  batchSize: number;
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  acceptedPerSecond: number;
  statuses: Record<string, number>;
  decided: number;
  /** Ingest → decision, from when each request was due to leave to the decision's created_at; ms. */
  latencyMs: Distribution;
  /** The same measured inside the service: decisions.created_at - comments.created_at; ms. */
  serverLatencyMs: Distribution;
  requestLatencyMs: Distribution;
  backlogStart: number;
  backlogEnd: number;
  /** Growth of the queue backlog over the second half of the run, jobs per second. */
  backlogSlope: number;
  maxInFlight: number;
  inFlightAtEnd: number;
  sustained: boolean;
  /** CPU per accepted comment over the open-loop run (the API, the worker(s), the database's backends). */
  apiCpuUsPerComment: number;
  workerCpuUsPerComment: number;
  postgresCpuUsPerComment: number;
  otherCores: number;
  siteComments: number;
  /** WAL PostgreSQL wrote during the run, per accepted comment (the whole server's: the bench has it to itself). */
  walBytesPerComment: number;
  /**
   * Checkpoints that started during the run. After each start, the first change to every page
   * writes the whole page to the WAL: a phase that meets one writes more and can stall longer.
   */
  checkpoints: number;
}

/** The WAL a phase wrote, and the checkpoints it met. */
function checkpointNote(figure: LatencyFigure): string {
  return `WAL ${fmt(figure.walBytesPerComment / 1000, 1)} kB/comment, ${figure.checkpoints} checkpoint(s) started`;
}

/** How far the WAL has come (bytes since its start) and how many checkpoints have started, server-wide. */
async function walPosition(db: pg.Pool): Promise<{ bytes: number; checkpoints: number }> {
  const { rows: [{ version }] } = await db.query(`SELECT current_setting('server_version_num')::int AS version`);
  // PostgreSQL 17 moved the checkpoint counts from pg_stat_bgwriter to pg_stat_checkpointer.
  const started = version >= 170000 ? 'SELECT num_timed + num_requested FROM pg_stat_checkpointer' : 'SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter';
  const { rows } = await db.query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS bytes, (${started})::int AS checkpoints`);
  return { bytes: Number(rows[0].bytes), checkpoints: rows[0].checkpoints };
}

/**
 * Open-loop load at a fixed rate with the worker(s) running; then the ingest → decision latency of
 * every comment, read from the database. Comments not decided within `settleMs` after the
 * schedule count as infinitely late (they push the percentiles, they are not dropped).
 */
async function latencyPhase(stack: Stack, dbName: string, comments: CommentFactory, label: string, rate: number, durationMs: number, settleMs: number, batchSize = 1): Promise<LatencyFigure> {
  const samples: [number, number][] = [];
  let sampling = true;
  const backlogStart = await backlog(stack);
  const siteCommentsAtStart = await siteComments(stack);
  const walBefore = await walPosition(stack.db);
  const started = performance.now();
  const sampler = (async () => {
    while (sampling) {
      samples.push([(performance.now() - started) / 1000, await backlog(stack).catch(() => NaN)]);
      await sleep(500);
    }
  })();
  // Request i carries comments i × batchSize onwards, so a comment's number gives its request's due time.
  const send = (i: number) => (batchSize === 1 ? sendSingle(stack, comments, `${label}-${i}`) : sendBatch(stack, comments, label, batchSize, i * batchSize));
  const measured = await measureCpu(stack, dbName, () => openLoop(rate / batchSize, durationMs, send, { maxInFlight: Math.max(256, rate / batchSize) }));
  const result: OpenLoopResult = measured.result;
  const walAfter = await walPosition(stack.db);
  sampling = false;
  await sampler;
  const backlogEnd = await backlog(stack);
  const half = samples.filter(([t]) => t >= durationMs / 2000 && Number.isFinite(samples[0][1]));
  const backlogSlope = slope(half);
  // Wait for the decisions of what was accepted.
  const count = async () =>
    Number((await stack.db.query(`SELECT count(*) AS n FROM comments WHERE site_id = $1 AND external_id LIKE $2 AND status <> 'pending'`, [stack.site.id, `${label}-%`])).rows[0].n);
  const settleEnd = Date.now() + settleMs;
  let decided = await count();
  while (decided < result.accepted && Date.now() < settleEnd) {
    await sleep(500);
    decided = await count();
  }
  const { rows } = await stack.db.query(
    `SELECT c.external_id, extract(epoch FROM d.created_at) * 1000 AS decided, extract(epoch FROM c.created_at) * 1000 AS stored
       FROM comments c JOIN decisions d ON d.comment_id = c.id AND d.kind = 'check'
      WHERE c.site_id = $1 AND c.external_id LIKE $2`,
    [stack.site.id, `${label}-%`],
  );
  const warmUp = Math.min(2, durationMs / 4000);
  const firstCounted = Math.floor(warmUp * rate);
  const sentComments = result.sent * batchSize;
  const latencies = new Array<number>(sentComments).fill(Infinity);
  const server: number[] = [];
  for (const row of rows as { external_id: string; decided: string; stored: string }[]) {
    const index = Number(row.external_id.slice(label.length + 1));
    latencies[index] = Number(row.decided) - result.dueAt[Math.floor(index / batchSize)];
    if (index >= firstCounted) server.push(Number(row.decided) - Number(row.stored));
  }
  const counted = latencies.slice(firstCounted);
  const acceptedPerSecond = result.accepted / result.seconds;
  const sustained =
    result.accepted >= 0.98 * sentComments &&
    result.inFlightAtEnd <= Math.max(20, (rate / batchSize) * 0.25) &&
    backlogSlope <= Math.max(5, rate * 0.02) &&
    backlogEnd - backlogStart <= Math.max(50, rate * 0.5);
  return {
    batchSize,
    offeredPerSecond: rate,
    seconds: result.seconds,
    sent: sentComments,
    acceptedPerSecond,
    statuses: result.statuses,
    decided: rows.length,
    latencyMs: distribution(counted),
    serverLatencyMs: distribution(server),
    requestLatencyMs: result.latency,
    backlogStart,
    backlogEnd,
    backlogSlope,
    maxInFlight: result.maxInFlight,
    inFlightAtEnd: result.inFlightAtEnd,
    sustained,
    apiCpuUsPerComment: result.accepted ? (measured.apiMs * 1000) / result.accepted : NaN,
    workerCpuUsPerComment: result.accepted ? (measured.workerMs * 1000) / result.accepted : NaN,
    postgresCpuUsPerComment: result.accepted ? (measured.postgresMs * 1000) / result.accepted : NaN,
    otherCores: measured.otherCores,
    siteComments: siteCommentsAtStart,
    walBytesPerComment: result.accepted ? (walAfter.bytes - walBefore.bytes) / result.accepted : NaN,
    checkpoints: walAfter.checkpoints - walBefore.checkpoints,
  };
}

/** Lets the workers finish what is queued (up to maxMs), then clears the rest. */
async function settle(stack: Stack, maxMs: number): Promise<void> {
  await waitFor('the backlog to drain', async () => (await backlog(stack)) === 0, maxMs, 250).catch(() => undefined);
  if ((await backlog(stack)) > 0) await discardBacklog(stack);
}

interface ProfileFigure {
  process: 'api' | 'worker';
  load: string;
  summary: ProfileSummary;
}

// ---------------------------------------------------------------------------------------------
// Run

interface Results {
  date: string;
  notes: string;
  scale: number;
  machine: MachineFacts;
  texts: { count: number; meanLength: number; sources: Record<string, number> };
  baselines: Baselines;
  engine: EngineTiming;
  ingest: IngestFigure[];
  drain: DrainFigure[];
  latency: LatencyFigure[];
  sustained: { trials: LatencyFigure[]; highestSustainedPerSecond: number | null; confirmation: LatencyFigure | null };
  profiles: ProfileFigure[];
  durationSeconds: number;
}

async function main(): Promise<void> {
  const began = performance.now();
  const env = environment();
  const busyStart = machineCpu();
  const folder = datasetsFolder();
  const sample = folder ? loadTexts(folder, 5000, 600) : loadTexts('/nonexistent', 5000, 600);
  log(`${sample.texts.length} texts (mean ${sample.meanLength.toFixed(0)} characters) from ${Object.keys(sample.sources).join(', ')}`);

  log('creating the bench database');
  const { url: dbUrl, name: dbName } = await createBenchDatabase(env.databaseUrl);
  const db = new pg.Pool({ connectionString: dbUrl, max: 40 });
  const redis = new Redis(redisOptions(env.redisUrl, 'consumer'));
  const prefix = `tkbench-${randomBytes(4).toString('hex')}`;
  const children: Child[] = [];
  const stopAll = async () => void (await Promise.all(children.map((c) => c.stop('SIGTERM', 15_000))));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));

  const results: Partial<Results> = {
    date: new Date().toISOString(),
    notes: 'Times in ms, CPU in µs per comment. In latency distributions null stands for infinity (comments not decided by the end of the phase) or for nothing measured; see docs/benchmarks.md, "Pipeline".',
    scale: SCALE,
  };
  let stack: Stack | null = null;
  try {
    results.machine = await machineFacts(db, redis);
    results.texts = { count: sample.texts.length, meanLength: sample.meanLength, sources: sample.sources };
    log(`machine: ${results.machine.cores} cores, Node ${results.machine.node}, ${results.machine.postgres}, ${results.machine.redis}, load ${results.machine.loadAverageStart.toFixed(2)}`);

    log('baselines');
    const factory = new CommentFactory(sample.texts);
    results.baselines = {
      ...(await postgresBaselines(db, sample.texts)),
      ...(await bullmqBaseline(env.redisUrl, `${prefix}-baseline`)),
      httpRequestsPerSecond: await httpBaseline(factory),
    };

    log('engine');
    results.engine = engineTiming(sample.texts.slice(0, 3000));
    log(`  ${fmt(results.engine.perSecond)} texts/s, mean ${results.engine.meanUs.toFixed(1)} µs, p99 ${results.engine.p99Us.toFixed(1)} µs`);

    log('starting the API');
    const apiPort = await freePort();
    const base = { prefix, dbUrl, env };
    const api = await startApi(base, apiPort);
    children.push(api);
    const admin = new HttpClient(apiPort, env.adminToken);
    const created = await admin.json<{ id: string; apiKey: string }>('POST', '/v1/admin/sites', { name: 'Bench', slug: `bench-${randomBytes(3).toString('hex')}` });
    if (created.status !== 201) throw new Error(`could not create a site: ${created.status} ${JSON.stringify(created.body)}`);
    admin.close();
    const client = new HttpClient(apiPort, created.body.apiKey);
    const patched = await client.json('PATCH', `/v1/admin/sites/${created.body.id}`, { rateLimitPerMinute: 1_000_000 });
    if (patched.status !== 200) throw new Error(`could not lift the rate limit: ${patched.status}`);
    stack = {
      ...base,
      api,
      apiPort,
      workers: [],
      client,
      site: { id: created.body.id, apiKey: created.body.apiKey },
      queue: new Queue(QUEUES.moderation, { connection: redisOptions(env.redisUrl, 'consumer'), prefix }),
      db,
    };
    const s = stack;

    // Ingest, with no worker: what the API alone takes in.
    log('ingest: single endpoint (no worker running)');
    let n = 0;
    await closedLoop(8, seconds(2), () => sendSingle(s, factory, `warm-${n++}`));
    // As autovacuum does within a minute of the first rows. Without it the phases below measure
    // the plans PostgreSQL made for empty tables, which look rows up by site alone (a running
    // service has statistics; a prepared statement is planned again when they change).
    await s.db.query('ANALYZE');
    results.ingest = [];
    for (const connections of SINGLE_CONNECTIONS) {
      const before = await siteComments(s);
      const measured = await measureCpu(s, dbName, () => closedLoop(connections, seconds(8), () => sendSingle(s, factory, `single-${connections}-${n++}`)));
      const figure = ingestFigure('single', connections, 1, measured, before);
      results.ingest.push(figure);
      log(`  ${connections} connections: ${fmt(figure.commentsPerSecond)} comments/s, p99 ${fmt(figure.latencyMs.p99, 1)} ms, API ${fmt(figure.apiCpuUsPerComment)} µs CPU/comment ${JSON.stringify(figure.statuses)}`);
      for (const sample of measured.result.samples) log(`    unexpected answer: ${sample}`);
    }
    log('ingest: batch endpoint');
    for (const size of BATCH_SIZES) {
      let b = 0;
      const before = await siteComments(s);
      const measured = await measureCpu(s, dbName, () => closedLoop(BATCH_CONNECTIONS, seconds(8), () => sendBatch(s, factory, `batch-${size}-${b++}`, size)));
      const figure = ingestFigure('batch', BATCH_CONNECTIONS, size, measured, before);
      results.ingest.push(figure);
      log(`  ${size} per request: ${fmt(figure.commentsPerSecond)} comments/s, p99 ${fmt(figure.latencyMs.p99, 1)} ms/request ${JSON.stringify(figure.statuses)}`);
      for (const sample of measured.result.samples) log(`    unexpected answer: ${sample}`);
    }

    // The worker on the queue the ingest filled: its drain rate, with one and then two processes.
    results.drain = [];
    log(`worker: draining ${fmt(await backlog(s))} queued comments`);
    s.workers.push(await startWorker(s));
    children.push(...s.workers);
    await sleep(1000);
    for (const count of [1, 2]) {
      if (count === 2) {
        const second = await startWorker(s);
        s.workers.push(second);
        children.push(second);
      }
      const figure = await drainPhase(s, dbName, seconds(15));
      if (figure) {
        results.drain.push(figure);
        log(`  ${count} worker(s): ${fmt(figure.decisionsPerSecond)} decisions/s, worker ${fmt(figure.workerCpuUsPerDecision)} µs CPU/decision, PostgreSQL ${fmt(figure.postgresCpuUsPerDecision)} µs`);
      }
    }
    const extra = s.workers.pop()!;
    await extra.stop();
    await discardBacklog(s);

    // End to end at fixed offered loads.
    results.latency = [];
    log('end to end: open-loop load, one API and one worker');
    for (const rate of SKIP.has('e2e') ? [] : E2E_RATES) {
      const figure = await latencyPhase(s, dbName, factory, `e2e-${rate}`, rate, seconds(15), 45_000);
      results.latency.push(figure);
      log(`  ${rate}/s offered: ${fmt(figure.acceptedPerSecond)}/s accepted, ${figure.decided} decided, p50 ${fmt(figure.latencyMs.p50)} ms, p95 ${fmt(figure.latencyMs.p95)} ms, p99 ${fmt(figure.latencyMs.p99)} ms; backlog ${figure.backlogStart} → ${figure.backlogEnd}; ${checkpointNote(figure)}`);
      await settle(s, 10_000);
    }
    if (!SKIP.has('e2e')) {
      const { rate, size } = E2E_BATCH;
      const figure = await latencyPhase(s, dbName, factory, `e2e-batch-${rate}`, rate, seconds(15), 45_000, size);
      results.latency.push(figure);
      log(`  ${rate}/s offered in batches of ${size}: ${fmt(figure.acceptedPerSecond)}/s accepted, ${figure.decided} decided, p50 ${fmt(figure.latencyMs.p50)} ms, p99 ${fmt(figure.latencyMs.p99)} ms; backlog ${figure.backlogStart} → ${figure.backlogEnd}`);
      await settle(s, 10_000);
    }

    // The highest rate sustained: a short search, then a minute at the best rate found (or lower).
    log('highest sustained rate: search');
    const single32 = results.ingest.find((f) => f.endpoint === 'single' && f.connections === 32)?.commentsPerSecond ?? 500;
    const drain1 = results.drain[0]?.decisionsPerSecond ?? single32;
    // API and worker share the cores: if both are CPU-bound, together they manage about the
    // harmonic combination of their separate rates. Start below it, grow while trials hold,
    // then bisect between the best rate held and the lowest that fell behind.
    const together = 1 / (1 / single32 + 1 / drain1);
    let lo = 0;
    let hi = Infinity;
    let rate = roundRate(together * 0.8);
    const trials: LatencyFigure[] = [];
    const trial = async (label: string): Promise<LatencyFigure> => {
      const figure = await latencyPhase(s, dbName, factory, label, rate, seconds(10), 5_000);
      trials.push(figure);
      log(`  ${rate}/s: ${figure.sustained ? 'held' : 'fell behind'} (accepted ${fmt(figure.acceptedPerSecond)}/s, backlog ${figure.backlogStart} → ${figure.backlogEnd}, slope ${figure.backlogSlope.toFixed(1)}/s, in flight at end ${figure.inFlightAtEnd})`);
      await settle(s, 15_000);
      return figure;
    };
    for (let i = 0; i < (SKIP.has('sustained') ? 0 : 5); i++) {
      // A stall of a few hundred milliseconds near the end of a ten-second trial leaves requests in
      // flight at a rate that holds for a minute (and a first trial that failed so sent a search to
      // half the rate); a rate counts as too high when it falls behind twice in a row.
      const held = (await trial(`search-${i}`)).sustained || (await trial(`retry-${i}`)).sustained;
      if (held) lo = rate;
      else hi = rate;
      if (hi !== Infinity && hi - lo < Math.max(20, lo * 0.08)) break;
      rate = hi === Infinity ? roundRate(rate * 1.4) : lo === 0 ? roundRate(rate * 0.6) : roundRate((lo + hi) / 2);
    }
    let confirmation: LatencyFigure | null = null;
    let highest: number | null = null;
    // Each confirmation that falls behind steps down a fifth: a rate held for ten seconds can fall
    // behind over a minute, and on a shared machine twice in a row.
    for (const candidate of SKIP.has('sustained') ? [] : [lo, roundRate(lo * 0.8), roundRate(lo * 0.64)]) {
      if (candidate <= 0) break;
      log(`  confirming ${candidate}/s for ${seconds(60) / 1000} s`);
      confirmation = await latencyPhase(s, dbName, factory, `sustain-${candidate}`, candidate, seconds(60), 20_000);
      log(`  ${candidate}/s for a minute: ${confirmation.sustained ? 'held' : 'fell behind'}, p99 ${fmt(confirmation.latencyMs.p99)} ms, backlog ${confirmation.backlogStart} → ${confirmation.backlogEnd}; ${checkpointNote(confirmation)}`);
      await settle(s, 15_000);
      if (confirmation.sustained) {
        highest = candidate;
        break;
      }
    }
    results.sustained = { trials, highestSustainedPerSecond: highest, confirmation };

    // CPU profiles of both processes under load.
    results.profiles = [];
    if (PROFILE) {
      log('profiles: API and worker under load');
      await Promise.all(s.workers.map((w) => w.stop()));
      await s.api!.stop();
      const dir = mkdtempSync(join(tmpdir(), 'tk-bench-prof-'));
      mkdirSync(join(dir, 'api'));
      mkdirSync(join(dir, 'worker'));
      const apiStart = performance.now();
      s.api = await startApi(s, apiPort, ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'api')}`]);
      const workerStart = performance.now();
      s.workers = [await startWorker(s, ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'worker')}`])];
      children.push(s.api, ...s.workers);
      await sleep(1000);
      const loadStart = performance.now();
      const loadMs = seconds(15);
      await closedLoop(32, loadMs, () => sendSingle(s, factory, `profile-${n++}`));
      const loadEnd = performance.now();
      await Promise.all([s.api.stop(), ...s.workers.map((w) => w.stop())]);
      for (const [name, startedAt] of [['api', apiStart], ['worker', workerStart]] as const) {
        const files = profilesIn(join(dir, name));
        if (files.length === 0) {
          log(`  no profile written by the ${name}`);
          continue;
        }
        const summary = summariseProfile(files[0], 25, { fromMs: loadStart - startedAt, toMs: loadEnd - startedAt });
        results.profiles.push({ process: name, load: `single endpoint, 32 connections, ${loadMs / 1000} s, worker running`, summary });
        log(`\n${formatSummary(summary, 12)}\n`);
      }
      if (process.env.BENCH_KEEP_PROFILES !== '1') rmSync(dir, { recursive: true, force: true });
      else log(`  profiles kept in ${dir}`);
      s.api = null;
      s.workers = [];
    }
  } finally {
    await stopAll();
    for (const child of children) {
      const lines = child.output().split('\n').filter(Boolean);
      if (lines.length > 0) log(`${child.name} ${child.pid} logged ${lines.length} line(s) at LOG_LEVEL=warn or above; the last: ${lines.slice(-3).join('\n    ').slice(0, 1500)}`);
    }
    await stack?.queue.obliterate({ force: true }).catch(() => undefined);
    await stack?.queue.close().catch(() => undefined);
    stack?.client.close();
    await deleteKeys(redis, prefix).catch(() => undefined);
    await redis.quit().catch(() => undefined);
    await db.end();
    if (process.env.BENCH_KEEP_DATABASE !== '1') await dropBenchDatabase(env.databaseUrl, dbName).catch((error: Error) => log(`could not drop ${dbName}: ${error.message}`));
  }

  results.machine!.loadAverageEnd = loadavg()[0];
  const busyEnd = machineCpu();
  if (busyStart && busyEnd) results.machine!.machineBusyShare = (busyEnd.busy - busyStart.busy) / (busyEnd.total - busyStart.total);
  results.durationSeconds = (performance.now() - began) / 1000;
  const complete = results as Results;
  const markdown = render(complete);
  if (WRITE) {
    mkdirSync(join(ROOT, 'docs', 'benchmarks'), { recursive: true });
    writeFileSync(join(ROOT, 'docs', 'benchmarks', 'pipeline.json'), `${JSON.stringify(complete, null, 2)}\n`);
    const docFile = join(ROOT, 'docs', 'benchmarks.md');
    const current = existsSync(docFile) ? readFileSync(docFile, 'utf8') : '# Benchmarks\n';
    let next = replaceSection(current, 'Pipeline', markdown.pipeline);
    next = replaceSection(next, 'Where the time goes', whereTheTimeGoes(readSection(next, 'Where the time goes'), markdown.profiles));
    writeFileSync(docFile, next);
    log(`wrote docs/benchmarks.md (Pipeline, Where the time goes) and docs/benchmarks/pipeline.json in ${complete.durationSeconds.toFixed(0)} s`);
  } else {
    process.stdout.write(`${markdown.pipeline}\n\n${markdown.profiles}\n`);
  }
}

function roundRate(rate: number): number {
  const step = rate >= 1000 ? 50 : rate >= 200 ? 20 : 10;
  return Math.max(step, Math.round(rate / step) * step);
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

// ---------------------------------------------------------------------------------------------
// Report

const GENERATED_START = '<!-- generated by npm run bench: start -->';
const GENERATED_END = '<!-- generated by npm run bench: end -->';

/** Keeps the hand-written findings of the section and replaces only the generated tables. */
function whereTheTimeGoes(current: string | null, generated: string): string {
  const block = `${GENERATED_START}\n${generated.trim()}\n${GENERATED_END}`;
  if (current && current.includes(GENERATED_START) && current.includes(GENERATED_END)) {
    const before = current.slice(0, current.indexOf(GENERATED_START));
    const after = current.slice(current.indexOf(GENERATED_END) + GENERATED_END.length);
    return `${before}${block}${after}`;
  }
  return `${(current ?? '').trim()}\n\n${block}\n`;
}

function render(r: Results): { pipeline: string; profiles: string } {
  const b = r.baselines;
  const m = r.machine;
  const single = r.ingest.filter((f) => f.endpoint === 'single');
  const batch = r.ingest.filter((f) => f.endpoint === 'batch');
  const bestSingle = Math.max(...single.map((f) => f.commentsPerSecond));
  const bestBatch = Math.max(...batch.map((f) => f.commentsPerSecond));
  const at1000 = r.latency.find((f) => f.batchSize === 1 && f.offeredPerSecond === 1000);
  const singleE2e = r.latency.find((f) => f.batchSize === 1 && f.offeredPerSecond === TARGETS.single);
  const batchE2e = r.latency.find((f) => f.batchSize > 1 && f.offeredPerSecond === TARGETS.batch);
  const keptUp = (f: LatencyFigure | undefined) => (f ? `${fmt(f.offeredPerSecond)}/s offered end to end: ${f.sustained ? 'kept up' : `**fell behind** (${fmt(f.decided)} of ${fmt(f.sent)} decided)`}, p99 ${fmt(f.latencyMs.p99)} ms` : 'end to end not measured');
  const drain1 = r.drain.find((f) => f.workers === 1);
  const drain2 = r.drain.find((f) => f.workers === 2);
  const sustained = r.sustained.highestSustainedPerSecond;
  const met = (ok: boolean) => (ok ? 'met' : '**not met**');
  const lines: string[] = [];
  lines.push(
    `Generated by \`npm run bench\` on ${r.date.slice(0, 10)} in ${fmt(r.durationSeconds)} s: ${m.cores} cores (${m.cpuModel}), Node ${m.node.slice(1)}, ${m.postgres} (synchronous_commit ${m.postgresSettings.synchronous_commit}, shared_buffers ${m.postgresSettings.shared_buffers}, checkpoint_timeout ${m.postgresSettings.checkpoint_timeout}), ${m.redis}. ` +
      `Load average ${m.loadAverageStart.toFixed(2)} at the start and ${m.loadAverageEnd?.toFixed(2) ?? '?'} at the end; the machine's CPU was ${fmt((m.machineBusyShare ?? NaN) * 100)} % busy over the run (ours and anyone else's). ` +
      `API, worker, PostgreSQL, Redis and the load generator share these cores, so compare runs by the ratios to the baselines, which are measured in the same run.`,
    '',
    `Comments are ${fmt(r.texts.count)} texts from the shared data sets (${Object.entries(r.texts.sources).map(([k, v]) => `${k} ${v}`).join(', ')}; mean ${fmt(r.texts.meanLength)} characters, none over 600), on 300 articles by 5,000 authors, three in four with an e-mail and IP to hash. One API and one worker process (defaults: DATABASE_POOL_SIZE 10, MODERATION_CONCURRENCY 16), NODE_ENV=production, LOG_LEVEL=warn; the site's rate limit lifted. CPU per comment is read from /proc for the process and for the PostgreSQL backends of the bench database.`,
    '',
    '### Baselines (same machine, same run)',
    '',
    table(
      ['what', 'rate'],
      [
        ['PostgreSQL: INSERT of 1,000-row batches (logged table as wide as `comments`, PK + one unique index), 2 at a time', `${fmt(b.postgresBatchRowsPerSecond)} rows/s`],
        ['PostgreSQL: single-row INSERT, one commit each, 32 connections', `${fmt(b.postgresSingleCommitsPerSecond)} commits/s`],
        ['BullMQ: `addBulk` of 1,000 jobs (the moderation job options)', `${fmt(b.bullmqAddPerSecond)} jobs/s`],
        ['BullMQ: worker with an empty processor draining a pre-filled queue, concurrency 16', `${fmt(b.bullmqNoopPerSecond)} jobs/s`],
        ['node:http server parsing the JSON and answering 202, 32 connections (ceiling of HTTP + this load generator)', `${fmt(b.httpRequestsPerSecond)} requests/s`],
      ],
      ['l', 'r'],
    ),
    '',
    '### Ingest (the API alone; no worker running)',
    '',
    'Closed loop: each connection sends its next request when the last one is answered. Comments per second count accepted comments only (202s, or `accepted` in batch answers).',
    '',
    table(
      ['endpoint', 'connections', 'comments/s', '÷ PG baseline', '÷ node:http', 'request p50 ms', 'request p99 ms', 'API CPU µs/comment', 'PG CPU µs/comment', 'other load (cores)', 'comments in the site', 'answers'],
      r.ingest.map((f) => [
        f.endpoint === 'single' ? '`POST /v1/comments`' : `\`POST /v1/comments/batch\` × ${f.batchSize}`,
        f.connections,
        fmt(f.commentsPerSecond),
        ratio(f.commentsPerSecond / (f.endpoint === 'single' ? b.postgresSingleCommitsPerSecond : b.postgresBatchRowsPerSecond)),
        f.endpoint === 'single' ? ratio(f.requestsPerSecond / b.httpRequestsPerSecond) : '–',
        fmt(f.latencyMs.p50, 1),
        fmt(f.latencyMs.p99, 1),
        fmt(f.apiCpuUsPerComment),
        fmt(f.postgresCpuUsPerComment),
        fmt(f.otherCores, 1),
        fmt(f.siteComments),
        Object.entries(f.statuses).map(([k, v]) => `${k}×${v}`).join(' '),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    '"÷ PG baseline": the single endpoint against single-row commits, the batch endpoint against 1,000-row batch inserts. "Other load": cores kept busy meanwhile by everything but the API, the worker, their PostgreSQL backends and the load generator (other users of the machine, Redis, PostgreSQL\'s own background work) — where it is high, the throughput is low for reasons outside the service; the CPU per comment is the steadier figure.',
    '',
    '### Worker (draining the queue the ingest runs filled)',
    '',
    table(
      ['worker processes', 'decisions/s', '÷ BullMQ no-op', 'worker CPU µs/decision', 'PG CPU µs/decision', 'engine share of worker CPU', 'other load (cores)'],
      r.drain.map((f) => [
        f.workers,
        fmt(f.decisionsPerSecond),
        ratio(f.decisionsPerSecond / b.bullmqNoopPerSecond, 3),
        fmt(f.workerCpuUsPerDecision),
        fmt(f.postgresCpuUsPerDecision),
        `${fmt((r.engine.meanUs / (f.workerCpuUsPerDecision / 1)) * 100, 1)} %`,
        fmt(f.otherCores, 1),
      ]),
      ['r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    drain1 && drain2 ? `Two worker processes drain ${ratio(drain2.decisionsPerSecond / drain1.decisionsPerSecond)} as fast as one on ${m.cores} cores shared with everything else.` : '',
    '',
    '### End to end: ingest → decision at fixed offered loads',
    '',
    'Open loop: request i is due at start + i / rate whatever the earlier answers did (through the batch endpoint the rate is in comments, sent as requests of that many); latency runs from when the request was due to the decision\'s `created_at` in PostgreSQL (comments not decided count as infinitely late). The first 2 s are warm-up and left out. "In the service" is `decisions.created_at − comments.created_at`; the queue backlog counts comments stored and not yet decided. "WAL kB/comment" is what PostgreSQL wrote to its log per accepted comment, and "checkpoints started" counts those that began during the phase: after each, the first change to every page logs the whole page, so such a phase writes more and may show a longer tail.',
    '',
    table(
      ['offered/s', 'endpoint', 'accepted/s', 'decided', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'in the service p99 ms', 'request p99 ms', 'queue backlog start → end', 'CPU µs/comment API + worker + PG', 'WAL kB/comment', 'checkpoints started', 'other load (cores)', 'comments in the site', 'kept up'],
      [...r.latency, ...(r.sustained.confirmation ? [r.sustained.confirmation] : [])].map((f) => [
        `${fmt(f.offeredPerSecond)}${f === r.sustained.confirmation ? ` (${fmt(f.seconds)} s)` : ''}`,
        f.batchSize === 1 ? 'single' : `batch × ${f.batchSize}`,
        fmt(f.acceptedPerSecond),
        `${fmt(f.decided)} of ${fmt(f.sent)}`,
        fmt(f.latencyMs.p50),
        fmt(f.latencyMs.p95),
        fmt(f.latencyMs.p99),
        fmt(f.latencyMs.max),
        fmt(f.serverLatencyMs.p99),
        fmt(f.requestLatencyMs.p99),
        `${fmt(f.backlogStart)} → ${fmt(f.backlogEnd)}`,
        `${fmt(f.apiCpuUsPerComment)} + ${fmt(f.workerCpuUsPerComment)} + ${fmt(f.postgresCpuUsPerComment)}`,
        fmt(f.walBytesPerComment / 1000, 1),
        fmt(f.checkpoints),
        fmt(f.otherCores, 1),
        fmt(f.siteComments),
        f.sustained ? 'yes' : 'no',
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    `Highest rate sustained for ${fmt(seconds(60) / 1000)} s without the queue growing: **${sustained ? `${fmt(sustained)} comments/s` : 'none of the rates tried'}**` +
      (sustained ? ` (${ratio(sustained / b.bullmqNoopPerSecond, 3)} of BullMQ's no-op rate, ${ratio(sustained / b.postgresSingleCommitsPerSecond)} of PostgreSQL's single-row commit rate)` : '') +
      `. Search (10 s each): ${r.sustained.trials.map((t) => `${fmt(t.offeredPerSecond)}/s ${t.sustained ? 'held' : 'fell behind'}`).join(', ')}.`,
    '',
    '### Engine inside the pipeline',
    '',
    `\`ModerationEngine.evaluate()\` with the default policy and the built-in models (as the worker runs it) on ${fmt(r.engine.texts)} of the texts: ${fmt(r.engine.perSecond)} texts/s on one core, mean ${r.engine.meanUs.toFixed(1)} µs, p50 ${r.engine.p50Us.toFixed(1)} µs, p99 ${r.engine.p99Us.toFixed(1)} µs per text` +
      (drain1 ? `: ${fmt((r.engine.meanUs / drain1.workerCpuUsPerDecision) * 100, 1)} % of the worker's CPU per decision.` : '.'),
    '',
    '### Pipeline targets',
    '',
    `- 2,000 comments/s through \`POST /v1/comments\`, sustained to decisions: ingest alone best ${fmt(bestSingle)}/s; ${keptUp(singleE2e)}; ${met(bestSingle >= TARGETS.single && singleE2e?.sustained === true)}.`,
    `- 8,000 comments/s through the batch endpoint, sustained to decisions: ingest alone best ${fmt(bestBatch)}/s; ${keptUp(batchE2e)}; ${met(bestBatch >= TARGETS.batch && batchE2e?.sustained === true)}.`,
    `- p99 ingest → decision under 250 ms at 1,000 comments/s: ${at1000 ? `${fmt(at1000.latencyMs.p99)} ms, ${met(at1000.latencyMs.p99 < TARGETS.p99At1000 && at1000.sustained)}` : 'not measured'}.`,
    '',
    'Why they fall short and what moves them: "Where the time goes" below, and docs/scaling.md.',
  );
  const profiles: string[] = [];
  for (const p of r.profiles) {
    const s = p.summary;
    profiles.push(
      `#### ${p.process === 'api' ? 'API' : 'Worker'} (${p.load}): ${fmt(s.busyMs)} ms on CPU in ${fmt(s.wallMs)} ms (${fmt(s.cpuShare * 100)} % of a core)`,
      '',
      table(
        ['self time', 'package'],
        s.packages.slice(0, 10).map((x) => [`${(x.share * 100).toFixed(1)} %`, x.name]),
        ['r', 'l'],
      ),
      '',
      table(
        ['self time', 'function'],
        s.functions.slice(0, 15).map((x) => [`${(x.share * 100).toFixed(1)} %`, `\`${x.name.replaceAll('|', '\\|')}\``]),
        ['r', 'l'],
      ),
      '',
      table(
        ['inclusive', 'nearest app file on the stack'],
        s.appFiles.slice(0, 8).map((x) => [`${(x.share * 100).toFixed(1)} %`, x.name]),
        ['r', 'l'],
      ),
      '',
    );
  }
  return {
    pipeline: lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n'),
    profiles: profiles.length ? `Profiles from the run of ${r.date.slice(0, 10)} (\`node --cpu-prof\`, summarised by \`node dist/tools/bench-profile.js\`; the load window only, start-up left out). Self time is time in the function itself; shares are of the busy (non-idle) samples.\n\n${profiles.join('\n')}` : 'No profiles in this run (BENCH_PROFILE=0).',
  };
}

main().catch((error: Error) => {
  log(`failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
