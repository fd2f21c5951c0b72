import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { Redis } from 'ioredis';
import { Environment } from '#app/config';
import { ApiError } from '../common/api-error.js';
import type { SiteCredentials } from './api-keys.service.js';

const WINDOW_MS = 60_000;

// Fixed one-minute windows: INCR a counter that expires with its window; one round trip. Sent
// once and then called by its SHA (ioredis defineCommand): resending the script per request cost
// about a tenth of the API's CPU in the bench.
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}`;

/**
 * Per API key, at its site's requests-per-minute, counted in Redis so the limit holds across
 * every API process. Runs after the key is verified. (@nestjs/throttler does this job too, but it
 * is CommonJS requiring ESM-only Nest 12, which Jest cannot load on Node 20.)
 */
@Injectable()
export class ApiKeyRateLimitGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyRateLimitGuard.name);

  private readonly increment: (key: string, windowMs: number) => Promise<[number, number]>;

  constructor(
    redis: Redis,
    private readonly env: Environment,
  ) {
    redis.defineCommand('tkRateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    const command = (redis as unknown as Record<string, (key: string, windowMs: number) => Promise<[number, number]>>).tkRateLimitIncrement;
    this.increment = command.bind(redis);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const site = http.getRequest<{ site: SiteCredentials }>().site;
    let hits: number;
    let remainingMs: number;
    try {
      [hits, remainingMs] = await this.increment(`${this.env.QUEUE_PREFIX}:ratelimit:${site.keyId}`, WINDOW_MS);
    } catch (error) {
      // Without Redis the limit cannot be counted; serving beats refusing every request.
      this.logger.warn(`rate limit not applied: ${(error as Error).message}`);
      return true;
    }
    const limit = site.rateLimitPerMinute;
    const res = http.getResponse<Response>();
    res.setHeader('RateLimit-Limit', limit);
    res.setHeader('RateLimit-Remaining', Math.max(0, limit - hits));
    if (hits <= limit) return true;
    const retryAfter = String(Math.max(1, Math.ceil(remainingMs / 1000)));
    throw new ApiError('rate_limited', `This API key is limited to ${limit} requests a minute; retry in ${retryAfter} s`, [], {
      'Retry-After': retryAfter,
    });
  }
}
