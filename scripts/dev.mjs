#!/usr/bin/env node
// The two commands of the README: `npm start` and `npm test`.
// Plain Node with built-ins only, because it runs before `npm ci` has installed anything.
//
// Both: install dependencies when missing or stale, provision a project-local PostgreSQL and
// Redis unless DATABASE_URL / REDIS_URL are given, build. Then `start` migrates and runs the API
// and the worker until Ctrl-C / SIGTERM; `test` runs every unit and end-to-end test.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const localDir = join(root, '.local');
const command = process.argv[2];
const extraArgs = process.argv.slice(3);

const PG_PORT = Number(process.env.TK_LOCAL_PG_PORT ?? 54329);
const REDIS_PORT = Number(process.env.TK_LOCAL_REDIS_PORT ?? 63799);

const log = (message) => process.stderr.write(`[threadkeeper] ${message}\n`);

function fail(message) {
  log(`error: ${message}`);
  stopStartedServices();
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`${cmd} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${result.status}`);
  return result;
}

function capture(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, ...options });
  return { ok: !result.error && result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL tool as the `postgres` user when we are root: the server refuses root. */
function asPostgres(cmd, args) {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function ensureDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

let aptUpdated = false;
function aptInstall(pkg) {
  if (!isRoot) fail(`${pkg} is not installed and this is not root: install the Debian package "${pkg}" or set the URL variable`);
  if (!aptUpdated) {
    log('apt-get update…');
    run('apt-get', ['update', '-q'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    aptUpdated = true;
  }
  log(`installing Debian package ${pkg}…`);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function which(bin) {
  const found = capture('sh', ['-c', `command -v ${bin}`]);
  return found.ok ? found.out.split('\n')[0] : null;
}

function postgresBinDir() {
  const fromPath = which('pg_ctl');
  if (fromPath && which('initdb')) return null; // both on PATH
  const found = capture('sh', ['-c', 'ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1']);
  return found.ok && found.out ? found.out : undefined;
}

function pgTool(name) {
  let dir = postgresBinDir();
  if (dir === undefined) {
    aptInstall('postgresql');
    dir = postgresBinDir();
    if (dir === undefined) fail('PostgreSQL was installed but pg_ctl / initdb are not to be found');
  }
  return dir ? join(dir, name) : name;
}

function portOpen(port) {
  return new Promise((done) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

async function waitForPort(port, what, seconds = 30) {
  for (let i = 0; i < seconds * 10; i++) {
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`${what} did not open port ${port} within ${seconds}s`);
}

/** Secrets for the local services and the admin token, made once and kept in .local/. */
function localSecrets() {
  const file = join(localDir, 'secrets.json');
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const secrets = {
    postgresPassword: randomBytes(18).toString('base64url'),
    redisPassword: randomBytes(18).toString('base64url'),
    adminToken: `tk_admin_${randomBytes(24).toString('base64url')}`,
    piiHashKey: randomBytes(32).toString('base64url'),
    ...kept,
  };
  mkdirSync(localDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2));
  chmodSync(file, 0o600);
  return secrets;
}

const started = []; // services this run started, stopped again on exit

async function provisionPostgres(secrets, databases) {
  const dataDir = join(localDir, 'postgres');
  const socketDir = join(localDir, 'postgres-socket');
  const pgCtl = pgTool('pg_ctl');
  mkdirSync(socketDir, { recursive: true });
  if (isRoot) run('chown', ['postgres:postgres', socketDir]);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`creating a local PostgreSQL cluster in ${dataDir}…`);
    mkdirSync(dataDir, { recursive: true });
    const pwFile = join(localDir, 'pg-password.tmp');
    writeFileSync(pwFile, secrets.postgresPassword);
    if (isRoot) run('chown', ['-R', 'postgres:postgres', dataDir, pwFile]);
    const [cmd, args] = asPostgres(pgTool('initdb'), [
      '-D', dataDir, '-U', 'threadkeeper', '--pwfile', pwFile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8',
    ]);
    const result = capture(cmd, args);
    spawnSync('rm', ['-f', pwFile]);
    if (!result.ok) fail(`initdb failed:\n${result.out}`);
  }
  if (!(await portOpen(PG_PORT))) {
    log(`starting PostgreSQL on 127.0.0.1:${PG_PORT}…`);
    // Bigger than the defaults (128MB, 1GB, 5min) so bursts of ingest stay in memory and do not
    // force checkpoints every few seconds, and the burst of full-page images that follows each
    // checkpoint's start comes every 15 minutes; commits stay synchronous.
    const options = `-p ${PG_PORT} -c listen_addresses=127.0.0.1 -k ${socketDir} -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min`;
    const [cmd, args] = asPostgres(pgCtl, ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    const result = capture(cmd, args);
    if (!result.ok) fail(`PostgreSQL did not start (see ${join(dataDir, 'server.log')}):\n${result.out}`);
    started.push({ name: 'PostgreSQL', stop: () => capture(...asPostgres(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'])) });
  } else {
    log(`reusing the PostgreSQL already listening on 127.0.0.1:${PG_PORT}`);
  }
  const env = { ...process.env, PGPASSWORD: secrets.postgresPassword };
  for (const db of databases) {
    const exists = capture('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'threadkeeper', '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${db}'`], { env });
    if (!exists.ok) fail(`cannot connect to the local PostgreSQL: ${exists.out}`);
    if (exists.out !== '1') run('psql', ['-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'threadkeeper', '-d', 'postgres', '-c', `CREATE DATABASE "${db}"`], { env });
  }
  return (db) => `postgres://threadkeeper:${secrets.postgresPassword}@127.0.0.1:${PG_PORT}/${db}`;
}

async function provisionRedis(secrets) {
  if (!which('redis-server')) aptInstall('redis-server');
  const dataDir = join(localDir, 'redis');
  mkdirSync(dataDir, { recursive: true });
  if (!(await portOpen(REDIS_PORT))) {
    log(`starting Redis on 127.0.0.1:${REDIS_PORT}…`);
    const pidFile = join(dataDir, 'redis.pid');
    // noeviction + AOF: BullMQ must never lose a job to memory pressure or a restart.
    run('redis-server', [
      '--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', dataDir, '--daemonize', 'yes',
      '--pidfile', pidFile, '--logfile', join(dataDir, 'redis.log'), '--appendonly', 'yes',
      '--maxmemory-policy', 'noeviction', '--requirepass', secrets.redisPassword, '--save', '',
    ]);
    await waitForPort(REDIS_PORT, 'Redis');
    started.push({
      name: 'Redis',
      stop: () => capture('redis-cli', ['-p', String(REDIS_PORT), '-a', secrets.redisPassword, '--no-auth-warning', 'shutdown']),
    });
  } else {
    log(`reusing the Redis already listening on 127.0.0.1:${REDIS_PORT}`);
  }
  return (db) => `redis://:${secrets.redisPassword}@127.0.0.1:${REDIS_PORT}/${db}`;
}

function stopStartedServices() {
  while (started.length) {
    const service = started.pop();
    log(`stopping ${service.name}…`);
    service.stop();
  }
}

async function environment({ database, redisDb }) {
  const secrets = localSecrets();
  const env = { ...process.env, TK_LOCAL_DATABASE: '' };
  if (!env.DATABASE_URL) {
    env.DATABASE_URL = (await provisionPostgres(secrets, [database]))(database);
    env.TK_LOCAL_DATABASE = database;
  }
  if (!env.REDIS_URL) env.REDIS_URL = (await provisionRedis(secrets))(redisDb);
  env.ADMIN_TOKEN ??= secrets.adminToken;
  env.PII_HASH_KEY ??= secrets.piiHashKey;
  return env;
}

function build() {
  log('building (tsc)…');
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json']);
}

async function start() {
  ensureDependencies();
  const env = await environment({ database: 'threadkeeper', redisDb: 0 });
  // The demo article site listens on localhost: let webhooks reach it (never do this in production).
  env.WEBHOOK_ALLOW_PRIVATE ??= 'true';
  build();
  log('migrating the database…');
  run('node', ['dist/libs/database/src/migrate.js'], { env });
  const port = Number(env.PORT ?? 3000);
  const workerPort = Number(env.WORKER_PORT ?? 3001);
  const children = [
    spawn('node', ['dist/apps/api/src/main.js'], { cwd: root, env, stdio: 'inherit' }),
    spawn('node', ['dist/apps/worker/src/main.js'], { cwd: root, env, stdio: 'inherit' }),
  ];
  let stopping = false;
  const shutdown = async (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the API and the worker (active jobs finish first)…`);
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    stopStartedServices();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  const watch = (child) =>
    child.once('exit', (code) => {
      if (!stopping) {
        log(`a process exited unexpectedly (code ${code}); stopping everything`);
        void shutdown('exit');
      }
    });
  children.forEach(watch);
  await waitForPort(port, 'the API', 60);
  const base = `http://localhost:${port}`;
  const demo = await startDemo(env, base, (child) => {
    children.push(child);
    watch(child);
  });
  process.stdout.write(
    [
      '',
      'Threadkeeper is running:',
      `  API             ${base}/v1`,
      `  API docs        ${base}/docs   (OpenAPI: ${base}/docs-json)`,
      `  Console         ${base}/console`,
      `  Queue dashboard ${base}/ops/queues   (user: any, password: the admin token)`,
      `  Metrics         ${base}/metrics   (worker: http://localhost:${workerPort}/metrics)`,
      `  Health          ${base}/health/ready   (worker: http://localhost:${workerPort}/health/ready)`,
      ...(demo ? [`  Demo site       ${demo}`] : []),
      `  Admin token     ${env.ADMIN_TOKEN}`,
      `  PostgreSQL      ${env.DATABASE_URL.replace(/\/\/([^:]+):[^@]*@/, '//$1:***@')}`,
      `  Redis           ${env.REDIS_URL.replace(/\/\/:?[^@]*@/, '//***@')}`,
      '',
      `Try: curl -s -X POST ${base}/v1/admin/sites -H "Authorization: Bearer ${env.ADMIN_TOKEN}" \\`,
      `       -H 'Content-Type: application/json' -d '{"name":"Demo","slug":"demo"}'`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

/**
 * The demo article site with a realistic thread: set up the demo site's webhook (which writes the
 * signing secret the demo site reads), start it, then send the comments in the background. A
 * failure here only skips the demo.
 */
async function startDemo(env, base, adopt) {
  const demoPort = Number(env.DEMO_SITE_PORT ?? 3002);
  const demoEnv = { ...env, THREADKEEPER_URL: base, DEMO_SITE_URL: `http://localhost:${demoPort}`, DEMO_SITE_PORT: String(demoPort) };
  const setup = spawnSync('node', ['dist/tools/load-demo.js', 'setup'], { cwd: root, env: demoEnv, stdio: 'inherit' });
  if (setup.status !== 0) {
    log('demo setup failed; running without the demo site');
    return null;
  }
  adopt(spawn('node', ['dist/apps/demo-site/src/main.js'], { cwd: root, env: demoEnv, stdio: 'inherit' }));
  await waitForPort(demoPort, 'the demo site', 30);
  // In the background: it exits when every demo comment is sent.
  spawn('node', ['dist/tools/load-demo.js', 'comments'], { cwd: root, env: demoEnv, stdio: 'inherit' }).once('exit', (code) => {
    if (code) log(`loading the demo comments failed (code ${code})`);
  });
  return `http://localhost:${demoPort}/articles/millbrook-tram-line-approved`;
}

/** The console's browser tests drive Debian's Chromium (browser downloads are not possible here). */
function ensureChromium() {
  if (process.env.CHROMIUM_PATH ? existsSync(process.env.CHROMIUM_PATH) : existsSync('/usr/bin/chromium')) return;
  aptInstall('chromium');
}

async function test() {
  ensureDependencies();
  ensureChromium();
  const env = await environment({ database: 'threadkeeper_test', redisDb: 1 });
  env.NODE_ENV = 'test';
  env.LOG_LEVEL ??= 'warn';
  const exit = (code) => {
    stopStartedServices();
    process.exit(code);
  };
  process.on('SIGINT', () => exit(130));
  process.on('SIGTERM', () => exit(143));
  build();
  log('type-checking the tests…');
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  if (env.TK_LOCAL_DATABASE) {
    // Only a database this script made is wiped; a DATABASE_URL you pass in is only migrated.
    log(`resetting the test database ${env.TK_LOCAL_DATABASE}…`);
    run('psql', ['-q', env.DATABASE_URL, '-c', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;'], {
      env: { ...env, PGOPTIONS: '--client-min-messages=warning' },
    });
  }
  run('node', ['dist/libs/database/src/migrate.js'], { env });
  const jest = spawnSync(
    'node',
    ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...extraArgs],
    { cwd: root, env, stdio: 'inherit' },
  );
  exit(jest.status ?? 1);
}

if (command === 'start') await start();
else if (command === 'test') await test();
else fail('usage: node scripts/dev.mjs start|test [jest args]');
