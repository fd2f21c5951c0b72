import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Environment } from '#app/config';
import { redisOptions } from '#app/queue';
import type { SiteCredentials } from './api-keys.service.js';

/**
 * How long a process trusts a key it verified without asking the database again. Revocations
 * reach every process at once over Redis; this bounds what a lost message can cost.
 */
const TTL_MS = 2_000;

/** A valid key as the database has it. */
export interface VerifiedKey {
  credentials: SiteCredentials;
  /** When a rotation's grace period ends, if one is running. */
  revokedAt: Date | null;
}

interface Entry {
  credentials: Promise<SiteCredentials | null>;
  /** Null while the lookup runs. */
  keyId: string | null;
  siteId: string | null;
  expires: number;
}

/**
 * Keys this API process verified lately, by a hash of the presented key (never the key itself),
 * so most requests skip the key query. "A revoked key is refused at once" holds in every process:
 * whoever revokes drops the entry here and publishes the key id on a Redis channel every API
 * process subscribes to, on a connection of its own. Entries are used only while that
 * subscription stands (it is re-made, and the entries dropped, after a reconnect); a connection
 * that died unnoticed, or a publish that failed, leaves a revoked key working for at most TTL_MS
 * in another process, and never past its revokedAt.
 */
@Injectable()
export class VerifiedKeyCache implements OnApplicationShutdown {
  private readonly logger = new Logger(VerifiedKeyCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly channel: string;
  private readonly subscriber: Redis;
  private subscribed = false;
  private sweptAt = 0;

  constructor(
    private readonly redis: Redis,
    env: Environment,
  ) {
    this.channel = `${env.QUEUE_PREFIX}:api-keys:revoked`;
    this.subscriber = new Redis({
      ...redisOptions(env.REDIS_URL, 'consumer'),
      connectionName: 'threadkeeper-key-revocations',
      // Subscribed on every 'ready' below, so the entries are dropped exactly when it is re-made.
      autoResubscribe: false,
    });
    this.subscriber.on('ready', () => this.subscribe());
    this.subscriber.on('close', () => this.unsubscribed());
    this.subscriber.on('error', () => undefined); // each failed reconnect; 'close' says what matters
    this.subscriber.on('message', (channel: string, keyId: string) => {
      if (channel === this.channel) this.forget((entry) => entry.keyId === keyId);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscribed = false;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /** The credentials of a presented key, by its hash: from this process's memory, or `load`ed (null: not valid). */
  credentials(hash: string, load: () => Promise<VerifiedKey | null>): Promise<SiteCredentials | null> {
    if (!this.subscribed) return load().then((key) => key?.credentials ?? null);
    const now = Date.now();
    const cached = this.entries.get(hash);
    if (cached && cached.expires > now) return cached.credentials;
    if (now - this.sweptAt >= TTL_MS) {
      // Expired entries go once per TTL, not on every lookup (a deployment may have many keys).
      this.sweptAt = now;
      for (const [other, entry] of this.entries) if (entry.expires <= now) this.entries.delete(other);
    }
    const entry: Entry = { credentials: Promise.resolve(null), keyId: null, siteId: null, expires: now + TTL_MS };
    const dropEntry = () => {
      if (this.entries.get(hash) === entry) this.entries.delete(hash);
    };
    entry.credentials = load().then(
      (key) => {
        // Unknown keys are not kept: anyone can present as many as they like.
        if (!key) {
          dropEntry();
          return null;
        }
        entry.keyId = key.credentials.keyId;
        entry.siteId = key.credentials.siteId;
        if (key.revokedAt) entry.expires = Math.min(entry.expires, key.revokedAt.getTime());
        return key.credentials;
      },
      (error: unknown) => {
        dropEntry();
        throw error;
      },
    );
    this.entries.set(hash, entry);
    return entry.credentials;
  }

  /** A key stopped being valid (or will, at a new time): forgotten here and in every other API process. */
  async revoked(keyId: string): Promise<void> {
    this.forget((entry) => entry.keyId === keyId);
    try {
      await this.redis.publish(this.channel, keyId);
    } catch (error) {
      this.logger.warn(`could not tell other API processes that key ${keyId} was revoked (they stop accepting it within ${TTL_MS} ms): ${(error as Error).message}`);
    }
  }

  /** A site's settings changed (its rate limit travels with its keys): its keys are looked up again in this process. */
  siteChanged(siteId: string): void {
    this.forget((entry) => entry.siteId === siteId);
  }

  /** Drops matching entries, and every lookup still running: it may have read the key before the change. */
  private forget(matches: (entry: Entry) => boolean): void {
    for (const [hash, entry] of this.entries) {
      if (entry.keyId === null || matches(entry)) this.entries.delete(hash);
    }
  }

  private subscribe(): void {
    this.subscriber.subscribe(this.channel).then(
      () => {
        // Revocations published while this process was not listening were missed.
        this.entries.clear();
        this.subscribed = true;
      },
      (error: Error) => this.logger.warn(`could not subscribe to key revocations: ${error.message}`),
    );
  }

  private unsubscribed(): void {
    if (!this.subscribed) return;
    this.subscribed = false;
    this.entries.clear();
    this.logger.warn('lost the key revocation channel: keys are checked in the database on every request until it is back');
  }
}
