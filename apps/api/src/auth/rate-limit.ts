import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { GroupCommit } from '#app/batching';
import { Environment } from '#app/config';
import { requestLogFields } from '#app/observability';
import { ApiError } from '../common/api-error.js';
import type { SiteCredentials } from './api-keys.service.js';

const WINDOW_MS = 60_000;

// Fixed one-minute windows: add the requests counted to a counter that expires with its window;
// one round trip. Sent once and then called by its SHA (ioredis defineCommand): resending the
// script per request cost about a tenth of the API's CPU in the bench.
const INCREMENT_SCRIPT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
if hits == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {hits, redis.call('PTTL', KEYS[1])}`;

/** Where one request stands in its key's window. */
interface Count {
  hits: number;
  remainingMs: number;
}

/**
 * Per API key, at its site's requests-per-minute, counted in Redis so the limit holds across
 * every API process. Every guard that admits a site key calls it once the key is verified, so
 * the admin and review routes count too. Requests of one key arriving while its count is on the
 * way to Redis are counted together by the next call, each getting its own place in the count,
 * so a busy key costs one round trip per group rather than per request.
 * (@nestjs/throttler does this job too, but it is CommonJS requiring ESM-only Nest 12, which Jest
 * cannot load on Node 20.)
 */
@Injectable()
export class ApiKeyRateLimitGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyRateLimitGuard.name);

  private readonly counts: GroupCommit<void, Count>;

  constructor(redis: Redis, env: Environment) {
    redis.defineCommand('tkRateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    const command = (redis as unknown as Record<string, (key: string, windowMs: number, by: number) => Promise<[number, number]>>).tkRateLimitIncrement;
    const increment = command.bind(redis);
    this.counts = new GroupCommit({
      // Any number of requests: the group is one number.
      maxItems: Infinity,
      flush: async (keyId, requests) => {
        const [total, remainingMs] = await increment(`${env.QUEUE_PREFIX}:ratelimit:${keyId}`, WINDOW_MS, requests.length);
        return requests.map((_, i) => ({ hits: total - requests.length + i + 1, remainingMs }));
      },
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<FastifyRequest & { site: SiteCredentials }>();
    const site = req.site;
    let count: Count;
    try {
      count = await this.counts.submit(site.keyId);
    } catch (error) {
      // Without Redis the limit cannot be counted; serving beats refusing every request.
      this.logger.warn({ msg: `rate limit not applied: ${(error as Error).message}`, req: requestLogFields(req) });
      return true;
    }
    const { hits, remainingMs } = count;
    const limit = site.rateLimitPerMinute;
    const reply = http.getResponse<FastifyReply>();
    reply.header('RateLimit-Limit', limit);
    reply.header('RateLimit-Remaining', Math.max(0, limit - hits));
    if (hits <= limit) return true;
    const retryAfter = String(Math.max(1, Math.ceil(remainingMs / 1000)));
    throw new ApiError('rate_limited', `This API key is limited to ${limit} requests a minute; retry in ${retryAfter} s`, [], {
      'Retry-After': retryAfter,
    });
  }
}
