import type { RedisOptions } from 'ioredis';
import type { RedisOptions as BullRedisOptions } from 'bullmq';

/** Which side of the queue a connection serves; they want different failure behaviour. */
export type ConnectionRole = 'producer' | 'consumer';

/**
 * ioredis options from REDIS_URL. Producers (the API) fail fast while Redis is away so a request
 * gets a clear 503 rather than hanging; consumers (the worker) wait and reconnect for as long as
 * it takes, which BullMQ workers require (maxRetriesPerRequest: null).
 */
export function redisOptions(redisUrl: string, role: ConnectionRole): RedisOptions & BullRedisOptions {
  const url = new URL(redisUrl);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectionName: `threadkeeper-${role}`,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    ...(role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 }
      : { maxRetriesPerRequest: null }),
  };
}
