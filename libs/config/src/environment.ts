import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsIP, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * Every environment variable the service reads, with its rules. One class for the API and the
 * worker so they can never disagree about a setting; the README's table is written from it.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** API HTTP port. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /**
   * Address the API and the worker listen on. `::` takes IPv6 and IPv4 connections (on a system
   * without IPv6 the processes fall back to 0.0.0.0); 127.0.0.1 keeps them to this machine.
   */
  @IsIP(undefined, { message: 'must be an IP address such as ::, 0.0.0.0 or 127.0.0.1' })
  LISTEN_ADDRESS = '::';

  /** Worker's small HTTP listener (health, metrics). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_PORT = 3001;

  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @IsString()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string;

  /** Prefix of every BullMQ key; lets several deployments share one Redis. */
  @IsString()
  @Matches(/^[A-Za-z0-9_{}-]{1,64}$/, { message: 'must be 1-64 letters, digits, _, -, { or }' })
  QUEUE_PREFIX = 'tk';

  /** Bearer token for the /v1/admin endpoints. */
  @IsString()
  @MinLength(24, { message: 'must be at least 24 characters' })
  ADMIN_TOKEN: string;

  /**
   * Key of the HMAC that turns authors' e-mails and IPs into hashes, so rules can match them
   * without storing them. Changing it breaks matching against what was stored before.
   */
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  PII_HASH_KEY: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Moderation jobs one worker process runs at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  MODERATION_CONCURRENCY = 16;

  /** Attempts a moderation job gets before it is left failed (its comment stays pending). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  MODERATION_ATTEMPTS = 8;

  /** First retry delay of a failed moderation job; each later one doubles it. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  MODERATION_BACKOFF_MS = 1000;

  /** Changes to one article's thread within this window make one delivery. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600_000)
  THREAD_COALESCE_MS = 1000;

  /** How often the worker moves new outbox rows to the publication queue. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  OUTBOX_POLL_MS = 200;

  /** A webhook request that takes longer than this counts as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** First retry delay of a failed delivery; each later one doubles it, up to WEBHOOK_RETRY_MAX_MS, with jitter. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  WEBHOOK_RETRY_BASE_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  WEBHOOK_RETRY_MAX_MS = 3_600_000;

  /** A delivery is retried for at least this long before it is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(30 * 86_400)
  WEBHOOK_RETRY_FOR_SECONDS = 86_400;

  /**
   * Allow webhook URLs that resolve to private, loopback or link-local addresses. Off in
   * production (a site could otherwise make Threadkeeper probe the internal network); the local
   * demo and the tests turn it on.
   */
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  WEBHOOK_ALLOW_PRIVATE = false;

  /** The queue dashboard at /ops/queues shows but cannot change jobs (no retry, remove, pause). */
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  QUEUE_DASHBOARD_READ_ONLY = false;

  /** Folder of the built-in model files (the newest version of each task is used). */
  @IsOptional()
  @IsString()
  MODELS_DIR?: string;

  /** Largest request body the API reads, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  MAX_REQUEST_BYTES = 1024 * 1024;

  /** How long a starting process waits for PostgreSQL and Redis before it gives up. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  STARTUP_TIMEOUT_SECONDS = 120;

  /** How often the worker's reconciler looks for lost work. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  RECONCILE_INTERVAL_MS = 60_000;

  /** A comment pending this long with no job in the queue is queued again. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  RECONCILE_PENDING_AFTER_MS = 120_000;

  /** How long a worker holds a job before it counts as stalled (its worker died) and is retried. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  JOB_LOCK_MS = 30_000;

  /** Seconds the worker waits for active jobs on SIGTERM before it gives up on them. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  SHUTDOWN_GRACE_SECONDS = 30;

  @IsOptional()
  @IsString()
  PUBLIC_URL?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws a ConfigError naming every bad or missing variable. */
export function loadEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const known = Object.keys(new Environment());
  const raw: Record<string, string> = {};
  for (const key of [...known, 'DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'PII_HASH_KEY', 'PUBLIC_URL', 'MODELS_DIR']) {
    const value = source[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const env = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const given = raw[e.property] === undefined ? 'missing' : 'invalid';
        return `${e.property} (${given}): ${Object.values(e.constraints ?? {}).join('; ')}`;
      }),
    );
  }
  return env;
}
