#!/usr/bin/env node
// The two commands of the README: `npm start` and `npm test`.
// Plain Node with built-ins only, because it runs before `npm ci` has installed anything.
//
// Both: install dependencies when missing or stale, provision a project-local PostgreSQL and
// Redis unless DATABASE_URL / REDIS_URL are given, build. Then `start` migrates and runs the API,
// the worker and the demo site until Ctrl-C / SIGTERM / SIGHUP; `test` runs every unit and
// end-to-end test. Whatever this run started is stopped when it ends, however it ends.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const localDir = join(root, '.local');
const command = process.argv[2];
const extraArgs = process.argv.slice(3);

const PG_PORT = Number(process.env.TK_LOCAL_PG_PORT ?? 54329);
const REDIS_PORT = Number(process.env.TK_LOCAL_REDIS_PORT ?? 63799);

const log = (message) => process.stderr.write(`[threadkeeper] ${message}\n`);
/** Waits without giving the event loop a turn: stopping must also work from synchronous code. */
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const SIGNAL_CODES = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** Ends the run: caught at the bottom, which stops everything this run started first. */
class Failure extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

function fail(message, exitCode) {
  throw new Failure(message, exitCode);
}

/** Ctrl-C reaches a running child too: report the interruption, not the child's failure. */
function failIfInterrupted(cmd, result) {
  if (result.signal in SIGNAL_CODES) fail(`interrupted (${result.signal}) during ${cmd}`, SIGNAL_CODES[result.signal]);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) fail(`${cmd} could not start: ${result.error.message}`);
  failIfInterrupted(cmd, result);
  if (result.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return result;
}

function capture(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, ...options });
  return { ok: !result.error && result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim(), signal: result.signal };
}

const services = []; // PostgreSQL and Redis when this run started them, stopped last
const children = []; // API, worker, demo site, jest: stopped before the servers they use
let stopping; // the shutdown under way
let serving = false; // everything is up: Ctrl-C is then how `npm start` is meant to end

/** Stops the children (gracefully: the worker finishes active jobs), then the servers; exits with `code`. */
function shutdown(code, why) {
  stopping ??= (async () => {
    if (why) log(why);
    const running = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
    if (running.length > 0) {
      const grace = Number(process.env.SHUTDOWN_GRACE_SECONDS ?? 30) + 15;
      log(`stopping ${running.map(({ name }) => name).join(', ')} (active work finishes first, up to ${grace}s)…`);
      const exited = running.map(({ child }) => new Promise((done) => child.once('exit', done)));
      for (const { child } of running) child.kill('SIGTERM');
      const force = setTimeout(() => {
        log(`still running after ${grace}s: killing them`);
        for (const { child } of running) child.kill('SIGKILL');
      }, grace * 1000);
      await Promise.all(exited);
      clearTimeout(force);
    }
    while (services.length) {
      const service = services.pop();
      log(`stopping ${service.name}…`);
      service.stop();
    }
    process.exit(code);
  })();
  return stopping;
}

// Before anything is provisioned, so an interrupted setup still stops what it started.
for (const [signal, code] of Object.entries(SIGNAL_CODES)) {
  process.on(signal, () => void shutdown(serving ? 0 : code, `${signal}: stopping what this run started…`));
}

/** Runs a Node process; when an `essential` one exits on its own, everything stops with a failure. */
function startChild(name, args, env, { essential = true } = {}) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
  children.push({ name, child });
  child.once('error', (error) => void shutdown(1, `${name} could not start: ${error.message}`));
  if (essential) {
    child.once('exit', (code, signal) => void shutdown(1, `${name} exited unexpectedly (${code ?? signal}); stopping everything`));
  }
  return child;
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
/** `instead`: what a user who cannot install packages can do instead. */
function aptInstall(pkg, instead) {
  if (!isRoot) fail(`${pkg} is not installed and only root can install it: run \`sudo apt-get install ${pkg}\`, or ${instead}`);
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
    aptInstall('postgresql', 'set DATABASE_URL to a PostgreSQL of your own');
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

/** Null when a server could listen on `port` the way the API does (every address), else the error code. */
function portProblem(port) {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', (error) => done(error.code));
    server.listen(port, () => server.close(() => done(null)));
  });
}

/** `ports`: variable name → port. Checked before spawning, so a foreign server is never mistaken for ours. */
async function checkPortsFree(ports) {
  for (const [name, port] of Object.entries(ports)) {
    const same = Object.keys(ports).find((other) => other !== name && ports[other] === port);
    if (same) fail(`${name} and ${same} are both ${port}: give them different ports`);
    const problem = await portProblem(port);
    if (problem === 'EADDRINUSE') fail(`port ${port} (${name}) is in use by another program: stop it, or choose a free port, e.g. ${name}=${port + 10} npm start`);
    if (problem) fail(`cannot listen on port ${port} (${name}): ${problem}; set ${name} to another port`);
  }
}

/** `where`: what to read when it does not come up. */
async function waitForPort(port, what, seconds, where) {
  log(`waiting for ${what} on port ${port}…`);
  for (let i = 0; i < seconds * 10; i++) {
    // A child that exits while we wait has begun the shutdown: let it finish.
    if (stopping) await stopping;
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`${what} did not open port ${port} within ${seconds}s${where ? ` (see ${where})` : ''}`);
}

/** Whether a process exists (EPERM: it does, under another user). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
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

/** The server on PG_PORT is the one running from dataDir: its postmaster.pid names the port (4th line). */
function ownPostgresRunning(dataDir) {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  return Number(port) === PG_PORT && alive(Number(pid));
}

/**
 * As root the server runs as the postgres user, which must be able to enter every folder above
 * .local/: a checkout under /root (mode 0700) otherwise fails in initdb with only "Permission denied".
 */
function checkPostgresUserCanReach(dir) {
  const canEnter = (folder) => capture('runuser', ['-u', 'postgres', '--', 'test', '-x', folder]).ok;
  if (canEnter(dir)) return;
  const above = [];
  for (let folder = dir; folder !== dirname(folder); folder = dirname(folder)) above.unshift(folder);
  const closed = above.find((folder) => !canEnter(folder)) ?? dir;
  fail(
    `the postgres user (PostgreSQL will not run as root) cannot enter ${closed}, so cannot reach ${dir}: ` +
      'move the checkout to a folder other users may enter (e.g. /srv/threadkeeper), or set DATABASE_URL to a PostgreSQL of your own',
  );
}

async function provisionPostgres(secrets, databases) {
  const dataDir = join(localDir, 'postgres');
  const socketDir = join(localDir, 'postgres-socket');
  const pgCtl = pgTool('pg_ctl');
  if (await portOpen(PG_PORT)) {
    if (!ownPostgresRunning(dataDir)) {
      fail(
        `127.0.0.1:${PG_PORT} is in use, but not by this checkout's PostgreSQL (${dataDir}): set TK_LOCAL_PG_PORT to a free port ` +
          `(e.g. TK_LOCAL_PG_PORT=${PG_PORT + 10}), or DATABASE_URL to use that server`,
      );
    }
    // Another run may be using it, so this one leaves it running.
    const [cmd, args] = asPostgres(pgCtl, ['-D', dataDir, 'stop']);
    log(`reusing the PostgreSQL already running from ${dataDir} on 127.0.0.1:${PG_PORT}, left running (stop it: ${cmd} ${args.join(' ')})`);
  } else {
    mkdirSync(socketDir, { recursive: true });
    if (isRoot) {
      checkPostgresUserCanReach(localDir);
      run('chown', ['postgres:postgres', socketDir]);
    }
    startPostgres(secrets, dataDir, socketDir, pgCtl);
  }
  const env = { ...process.env, PGPASSWORD: secrets.postgresPassword };
  for (const db of databases) {
    const exists = capture('psql', ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'threadkeeper', '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname = '${db}'`], { env });
    if (!exists.ok) fail(`cannot connect to the local PostgreSQL on 127.0.0.1:${PG_PORT} (see ${join(dataDir, 'server.log')}): ${exists.out}`);
    if (exists.out !== '1') run('psql', ['-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'threadkeeper', '-d', 'postgres', '-c', `CREATE DATABASE "${db}"`], { env });
  }
  return (db) => `postgres://threadkeeper:${secrets.postgresPassword}@127.0.0.1:${PG_PORT}/${db}`;
}

function startPostgres(secrets, dataDir, socketDir, pgCtl) {
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
    failIfInterrupted('initdb', result);
    if (!result.ok) fail(`initdb failed:\n${result.out}`);
  }
  log(`starting PostgreSQL on 127.0.0.1:${PG_PORT}…`);
  // Bigger than the defaults (128MB, 1GB, 5min) so bursts of ingest stay in memory and do not
  // force checkpoints every few seconds, and the burst of full-page images that follows each
  // checkpoint's start comes every 15 minutes; commits stay synchronous.
  const options = `-p ${PG_PORT} -c listen_addresses=127.0.0.1 -k ${socketDir} -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min`;
  const [cmd, args] = asPostgres(pgCtl, ['-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  // Registered first: the server is detached from this terminal and outlives an interrupted start.
  services.push({ name: 'PostgreSQL', stop: () => capture(...asPostgres(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'])) });
  const result = capture(cmd, args);
  failIfInterrupted('pg_ctl start', result);
  if (!result.ok) fail(`PostgreSQL did not start (see ${join(dataDir, 'server.log')}):\n${result.out}`);
}

async function provisionRedis(secrets) {
  if (!which('redis-server')) aptInstall('redis-server', 'set REDIS_URL to a Redis of your own');
  const dataDir = join(localDir, 'redis');
  mkdirSync(dataDir, { recursive: true });
  const redisLog = join(dataDir, 'redis.log');
  const cli = ['-h', '127.0.0.1', '-p', String(REDIS_PORT), '-a', secrets.redisPassword, '--no-auth-warning'];
  if (await portOpen(REDIS_PORT)) {
    // Ours when it takes our password and keeps its data in our folder.
    const dir = capture('redis-cli', [...cli, 'CONFIG', 'GET', 'dir'], { timeout: 5000 });
    if (dir.out.split('\n')[1] !== realpathSync(dataDir)) {
      fail(
        `127.0.0.1:${REDIS_PORT} is in use, but not by this checkout's Redis (${dataDir}): set TK_LOCAL_REDIS_PORT to a free port ` +
          `(e.g. TK_LOCAL_REDIS_PORT=${REDIS_PORT + 10}), or REDIS_URL to use that server`,
      );
    }
    // Another run may be using it, so this one leaves it running.
    log(`reusing the Redis already running from ${dataDir} on 127.0.0.1:${REDIS_PORT}, left running (stop it: kill $(cat ${join(dataDir, 'redis.pid')}))`);
  } else {
    log(`starting Redis on 127.0.0.1:${REDIS_PORT}…`);
    const pidFile = join(dataDir, 'redis.pid');
    // A stale pid file could name an unrelated process to stop.
    rmSync(pidFile, { force: true });
    services.push({ name: 'Redis', stop: () => stopRedis(pidFile) });
    // noeviction + AOF: BullMQ must never lose a job to memory pressure or a restart.
    run('redis-server', [
      '--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--dir', dataDir, '--daemonize', 'yes',
      '--pidfile', pidFile, '--logfile', redisLog, '--appendonly', 'yes',
      '--maxmemory-policy', 'noeviction', '--requirepass', secrets.redisPassword, '--save', '',
    ]);
    await waitForPort(REDIS_PORT, 'Redis', 30, redisLog);
  }
  return { url: (db) => `redis://:${secrets.redisPassword}@127.0.0.1:${REDIS_PORT}/${db}`, cli };
}

/** SIGTERM makes Redis shut down cleanly (AOF flushed); by pid, so it works before Redis accepts connections. */
function stopRedis(pidFile) {
  for (let i = 0; i < 50 && !existsSync(pidFile); i++) pause(100);
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && alive(pid); i++) pause(100);
  if (alive(pid)) log(`Redis (pid ${pid}) did not stop within 30s; stop it with kill ${pid}`);
}

/** `local`: the database, and redis-cli's arguments for the Redis database, provisioned here (only those are ever reset). */
async function environment({ database, redisDb }) {
  const secrets = localSecrets();
  const env = { ...process.env };
  const local = { database: null, redisCli: null };
  if (!env.DATABASE_URL) {
    env.DATABASE_URL = (await provisionPostgres(secrets, [database]))(database);
    local.database = database;
  }
  if (!env.REDIS_URL) {
    const redis = await provisionRedis(secrets);
    env.REDIS_URL = redis.url(redisDb);
    local.redisCli = [...redis.cli, '-n', String(redisDb)];
  }
  env.ADMIN_TOKEN ??= secrets.adminToken;
  env.PII_HASH_KEY ??= secrets.piiHashKey;
  return { env, local };
}

function build() {
  log('building (tsc)…');
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json']);
}

async function start() {
  const ports = {
    PORT: Number(process.env.PORT ?? 3000),
    WORKER_PORT: Number(process.env.WORKER_PORT ?? 3001),
    DEMO_SITE_PORT: Number(process.env.DEMO_SITE_PORT ?? 3002),
  };
  // Now for a quick answer, and again before spawning: setup can take minutes.
  await checkPortsFree(ports);
  ensureDependencies();
  const { env } = await environment({ database: 'threadkeeper', redisDb: 0 });
  // The demo article site listens on localhost: let webhooks reach it (never do this in production).
  env.WEBHOOK_ALLOW_PRIVATE ??= 'true';
  build();
  log('migrating the database…');
  run('node', ['dist/libs/database/src/migrate.js'], { env });
  await checkPortsFree(ports);
  startChild('the API', ['dist/apps/api/src/main.js'], env);
  startChild('the worker', ['dist/apps/worker/src/main.js'], env);
  await waitForPort(ports.PORT, 'the API', 60);
  const base = `http://localhost:${ports.PORT}`;
  const demo = await startDemo(env, base, ports.DEMO_SITE_PORT);
  const workerBase = `http://localhost:${ports.WORKER_PORT}`;
  // The demo setup made the slug `demo`, and the data outlives a run: a fresh slug each time.
  const slug = `my-site-${randomBytes(3).toString('hex')}`;
  process.stdout.write(
    [
      '',
      'Threadkeeper is running:',
      `  API             ${base}/v1`,
      `  API docs        ${base}/docs   (OpenAPI: ${base}/docs-json)`,
      `  Console         ${base}/console`,
      `  Queue dashboard ${base}/ops/queues   (user: any, password: the admin token)`,
      `  Metrics         ${base}/metrics   (worker: ${workerBase}/metrics)`,
      `  Health          ${base}/health/ready   (worker: ${workerBase}/health/ready)`,
      ...(demo ? [`  Demo site       ${demo}`] : []),
      `  Admin token     ${env.ADMIN_TOKEN}`,
      `  PostgreSQL      ${env.DATABASE_URL.replace(/\/\/([^:]+):[^@]*@/, '//$1:***@')}`,
      `  Redis           ${env.REDIS_URL.replace(/\/\/:?[^@]*@/, '//***@')}`,
      '',
      `Try: curl -s -X POST ${base}/v1/admin/sites -H "Authorization: Bearer ${env.ADMIN_TOKEN}" \\`,
      `       -H 'Content-Type: application/json' -d '{"name":"My site","slug":"${slug}"}'`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  serving = true;
}

/**
 * The demo article site with a realistic thread: set up the demo site's webhook (which writes the
 * signing secret the demo site reads), start it, then send the comments in the background. A
 * failure of the setup only skips the demo.
 */
async function startDemo(env, base, demoPort) {
  const demoEnv = { ...env, THREADKEEPER_URL: base, DEMO_SITE_URL: `http://localhost:${demoPort}`, DEMO_SITE_PORT: String(demoPort) };
  const setup = spawnSync('node', ['dist/tools/load-demo.js', 'setup'], { cwd: root, env: demoEnv, stdio: 'inherit' });
  failIfInterrupted('the demo setup', setup);
  if (setup.status !== 0) {
    log('demo setup failed; running without the demo site');
    return null;
  }
  startChild('the demo site', ['dist/apps/demo-site/src/main.js'], demoEnv);
  await waitForPort(demoPort, 'the demo site', 30);
  // In the background: it exits when every demo comment is sent.
  startChild('the demo comment loader', ['dist/tools/load-demo.js', 'comments'], demoEnv, { essential: false }).once('exit', (code) => {
    if (code && !stopping) log(`loading the demo comments failed (code ${code})`);
  });
  return `http://localhost:${demoPort}/articles/millbrook-tram-line-approved`;
}

/** The console's browser tests drive Debian's Chromium (browser downloads are not possible here). */
function ensureChromium() {
  const path = process.env.CHROMIUM_PATH;
  if (path && !existsSync(path)) fail(`CHROMIUM_PATH is ${path}, which does not exist: point it at a Chromium binary, or unset it to use Debian's /usr/bin/chromium`);
  if (path || existsSync('/usr/bin/chromium')) return;
  aptInstall('chromium', 'set CHROMIUM_PATH to a Chromium binary');
}

async function test() {
  ensureDependencies();
  ensureChromium();
  const { env, local } = await environment({ database: 'threadkeeper_test', redisDb: 1 });
  env.NODE_ENV = 'test';
  env.LOG_LEVEL ??= 'warn';
  build();
  log('type-checking the tests…');
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  // Only what this script provisioned is wiped; a DATABASE_URL / REDIS_URL you pass in is used as it is.
  if (local.database) {
    log(`resetting the test database ${local.database}…`);
    run('psql', ['-q', env.DATABASE_URL, '-c', 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;'], {
      env: { ...env, PGOPTIONS: '--client-min-messages=warning' },
    });
  }
  if (local.redisCli) {
    // Jobs of earlier runs, under their random prefixes, would otherwise pile up (no eviction, AOF).
    log('emptying the test Redis database (1)…');
    const flushed = capture('redis-cli', [...local.redisCli, 'FLUSHDB']);
    if (flushed.out !== 'OK') fail(`could not empty the test Redis database: ${flushed.out}`);
  }
  run('node', ['dist/libs/database/src/migrate.js'], { env });
  const jest = startChild(
    'jest',
    ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...extraArgs],
    env,
    { essential: false },
  );
  const code = await new Promise((done) => jest.once('exit', (status, signal) => done(status ?? SIGNAL_CODES[signal] ?? 1)));
  await shutdown(code);
}

try {
  if (command === 'start') await start();
  else if (command === 'test') await test();
  else fail('usage: node scripts/dev.mjs start|test [jest args]');
} catch (error) {
  const failure = error instanceof Failure;
  log(failure && error.exitCode > 128 ? error.message : `error: ${failure ? error.message : error.stack}`);
  await shutdown(failure ? error.exitCode : 1);
}
