import { Redis } from 'ioredis';
import pg from 'pg';
import type { Environment } from '#app/config';
import { redisOptions } from '#app/queue';

/** Where a URL points, without its credentials: for log lines. */
function where(url: string): string {
  const { protocol, hostname, port, pathname } = new URL(url);
  return `${protocol}//${hostname}${port ? `:${port}` : ''}${pathname}`;
}

async function retry(what: string, attempt: () => Promise<void>, deadline: number, log: (line: string) => void): Promise<void> {
  for (let tries = 1; ; tries++) {
    try {
      await attempt();
      if (tries > 1) log(`${what} is up`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what} did not answer in time: ${(error as Error).message}`);
      log(`waiting for ${what} (attempt ${tries}): ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** tries)));
    }
  }
}

/**
 * Waits until PostgreSQL and Redis answer, with a log line per try, so a process started before
 * its dependencies (a compose up, a reboot) comes up cleanly instead of crash-looping.
 */
export async function waitForDependencies(env: Environment, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + env.STARTUP_TIMEOUT_SECONDS * 1000;
  await retry(
    `PostgreSQL at ${where(env.DATABASE_URL)}`,
    async () => {
      const client = new pg.Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    deadline,
    log,
  );
  await retry(
    `Redis at ${where(env.REDIS_URL)}`,
    async () => {
      const redis = new Redis({ ...redisOptions(env.REDIS_URL, 'producer'), lazyConnect: true, retryStrategy: () => null });
      try {
        await redis.connect();
        await redis.ping();
      } finally {
        redis.disconnect();
      }
    },
    deadline,
    log,
  );
}
