import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ApiKey, type ApiKeyScope, updateRows } from '#app/database';
import { ApiError } from '../common/api-error.js';
import { VerifiedKeyCache, type VerifiedKey } from './verified-keys.js';

const KEY_PREFIX = 'tk_';
const PREFIX_LENGTH = 12; // "tk_" and 9 random characters: the part stored in clear to find the row
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** last_used_at is written at most this often per key, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface SiteCredentials {
  siteId: string;
  keyId: string;
  scopes: ApiKeyScope[];
  rateLimitPerMinute: number;
}

/** An API key as the admin API shows it: never the secret, never its hash. */
export interface ApiKeyView {
  id: string;
  siteId: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  /** When it stopped (or, during a rotation's overlap, will stop) being accepted. */
  revokedAt: Date | null;
}

export function toKeyView(key: ApiKey): ApiKeyView {
  const { id, siteId, name, prefix, scopes, createdAt, lastUsedAt, revokedAt } = key;
  return { id, siteId, name, prefix, scopes, createdAt, lastUsedAt, revokedAt };
}

function randomBase62(length: number): string {
  // 256 is not a multiple of 62: drop bytes ≥ 248 so every character is equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly verified: VerifiedKeyCache,
  ) {}

  /** Makes a key; the returned secret is shown to the caller once and never stored. */
  async create(siteId: string, name: string, scopes: ApiKeyScope[]): Promise<{ key: ApiKey; secret: string }> {
    const secret = KEY_PREFIX + randomBase62(40);
    const key = await this.keys.save(
      this.keys.create({
        siteId,
        name,
        scopes,
        prefix: secret.slice(0, PREFIX_LENGTH),
        secretHash: sha256(secret).toString('hex'),
      }),
    );
    return { key, secret };
  }

  /**
   * The site and scopes of a presented key, or null when it is unknown or revoked. Kept for a
   * moment per process (VerifiedKeyCache), where a revocation reaches every API process at once.
   */
  async verify(presented: string): Promise<SiteCredentials | null> {
    if (!presented.startsWith(KEY_PREFIX) || presented.length !== KEY_PREFIX.length + 40) return null;
    const digest = sha256(presented);
    const credentials = await this.verified.credentials(digest.toString('base64'), () => this.lookUp(presented, digest));
    if (credentials) this.touch(credentials.keyId);
    return credentials;
  }

  private async lookUp(presented: string, digest: Buffer): Promise<VerifiedKey | null> {
    const [key]: { id: string; site_id: string; scopes: ApiKeyScope[]; secret_hash: string; rate_limit_per_minute: number; revoked_at: Date | null }[] =
      await this.keys.query(
        `SELECT k.id, k.site_id, k.scopes, k.secret_hash, s.rate_limit_per_minute, k.revoked_at
           FROM api_keys k JOIN sites s ON s.id = k.site_id
          WHERE k.prefix = $1 AND (k.revoked_at IS NULL OR k.revoked_at > now())`,
        [presented.slice(0, PREFIX_LENGTH)],
      );
    if (!key || !timingSafeEqual(digest, Buffer.from(key.secret_hash, 'hex'))) return null;
    return {
      credentials: { siteId: key.site_id, keyId: key.id, scopes: key.scopes, rateLimitPerMinute: key.rate_limit_per_minute },
      revokedAt: key.revoked_at,
    };
  }

  async list(siteId: string): Promise<ApiKeyView[]> {
    const keys = await this.keys.find({ where: { siteId }, order: { createdAt: 'ASC' } });
    return keys.map(toKeyView);
  }

  /** Stops a key being accepted, now (graceSeconds 0) or after an overlap. */
  async revoke(siteId: string, keyId: string, graceSeconds = 0): Promise<ApiKeyView> {
    const [row] = await updateRows<{ id: string }>(
      this.keys,
      `UPDATE api_keys SET revoked_at = LEAST(COALESCE(revoked_at, 'infinity'), now() + make_interval(secs => $3))
        WHERE id = $1 AND site_id = $2 RETURNING id`,
      [keyId, siteId, graceSeconds],
    );
    if (!row) throw ApiError.notFound('API key');
    await this.verified.revoked(keyId);
    return toKeyView(await this.keys.findOneByOrFail({ id: keyId }));
  }

  /** A new key with the same name and scopes; the old one keeps working for graceSeconds, then stops. */
  async rotate(siteId: string, keyId: string, graceSeconds: number): Promise<{ key: ApiKey; secret: string }> {
    const old = await this.keys.findOneBy({ id: keyId, siteId });
    if (!old) throw ApiError.notFound('API key');
    if (old.revokedAt && old.revokedAt.getTime() <= Date.now()) throw new ApiError('conflict', 'A revoked key cannot be rotated');
    const created = await this.create(siteId, old.name, old.scopes);
    await this.revoke(siteId, keyId, graceSeconds);
    return created;
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWritten.get(keyId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(keyId, now);
    this.keys.update({ id: keyId }, { lastUsedAt: new Date(now) }).catch((error: Error) => {
      this.logger.warn(`could not record last use of key ${keyId}: ${error.message}`);
    });
  }
}
