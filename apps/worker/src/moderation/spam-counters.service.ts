import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Environment } from '#app/config';
import { type CommentSignals, textFingerprint } from '#app/moderation-engine';

/** How far back each counter looks. */
export const SIGNAL_WINDOWS_MS = {
  authorRepeat: 60 * 60_000,
  sameTextAuthors: 10 * 60_000,
  postingRate: 60_000,
} as const;

export interface CountedComment {
  commentId: string;
  siteId: string;
  /** The site's id of the author. */
  authorId: string;
  ipHash: string | null;
  body: string;
  /** When it was posted (epoch ms): the counters are about posting, not about when it is checked. */
  postedAt: number;
}

// Per counter key: add the member at its posting time, trim what left the window, count what is
// in it, and let the key expire after two quiet windows. One script call for a group's counters
// instead of four commands per counter (sixteen per comment) in a pipeline.
const COUNT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local at = tonumber(ARGV[i * 3 - 2])
  local window = tonumber(ARGV[i * 3])
  redis.call('ZADD', key, at, ARGV[i * 3 - 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', at - window)
  counts[i] = redis.call('ZCOUNT', key, at - window, at)
  redis.call('PEXPIRE', key, window * 2)
end
return counts`;

interface Counter {
  name: keyof CommentSignals;
  key: string;
  member: string;
  windowMs: number;
  /** Posting time (epoch ms). */
  at: number;
}

type CountCommand = (keyCount: number, ...keysThenArgs: (string | number)[]) => Promise<number[]>;

/**
 * The engine's counter signals, kept in Redis so every worker sees the same counts. Each counter
 * is a sorted set of comment ids scored by posting time: adding the same comment again (a retried
 * job) changes nothing, and old entries are trimmed as the window moves.
 */
@Injectable()
export class SpamCountersService {
  private readonly logger = new Logger(SpamCountersService.name);

  private readonly countScript: CountCommand;

  constructor(
    redis: Redis,
    private readonly env: Environment,
  ) {
    redis.defineCommand('tkSpamCount', { lua: COUNT_SCRIPT });
    this.countScript = (redis as unknown as Record<string, CountCommand>).tkSpamCount.bind(redis);
  }

  /**
   * The signals of several comments, each comment's counters updated in order, as if counted one
   * after another: one script call per site (a site's keys share its prefix, so they can share a
   * Redis Cluster slot). When Redis fails the comments get none.
   */
  async countMany(comments: readonly CountedComment[]): Promise<CommentSignals[]> {
    const counters = comments.map((comment) => this.countersOf(comment));
    const bySite = new Map<string, number[]>();
    comments.forEach((comment, i) => {
      const indexes = bySite.get(comment.siteId);
      if (indexes) indexes.push(i);
      else bySite.set(comment.siteId, [i]);
    });
    const signals: CommentSignals[] = comments.map(() => ({}));
    await Promise.all(
      [...bySite.values()].map(async (indexes) => {
        const mine = indexes.flatMap((i) => counters[i].map((counter) => ({ ...counter, comment: i })));
        try {
          const counts = await this.countScript(mine.length, ...mine.map((c) => c.key), ...mine.flatMap((c) => [c.at, c.member, c.windowMs]));
          mine.forEach((counter, k) => (signals[counter.comment][counter.name] = Number(counts[k])));
        } catch (error) {
          // Absent counters are not checked by the engine; the other phases still run.
          this.logger.warn(`spam counters unavailable: ${(error as Error).message}`);
        }
      }),
    );
    return signals;
  }

  private countersOf(comment: CountedComment): Counter[] {
    const text = createHash('sha256').update(textFingerprint(comment.body)).digest('base64url').slice(0, 22);
    const key = (...parts: string[]) => `${this.env.QUEUE_PREFIX}:signals:${comment.siteId}:${parts.join(':')}`;
    const at = comment.postedAt;
    const counters: Counter[] = [
      { name: 'authorRepeatCount', key: key('author-text', comment.authorId, text), member: comment.commentId, windowMs: SIGNAL_WINDOWS_MS.authorRepeat, at },
      { name: 'distinctAuthorsSameText', key: key('text-authors', text), member: comment.authorId, windowMs: SIGNAL_WINDOWS_MS.sameTextAuthors, at },
      { name: 'authorPostsLastMinute', key: key('author-posts', comment.authorId), member: comment.commentId, windowMs: SIGNAL_WINDOWS_MS.postingRate, at },
    ];
    if (comment.ipHash) counters.push({ name: 'ipPostsLastMinute', key: key('ip-posts', comment.ipHash), member: comment.commentId, windowMs: SIGNAL_WINDOWS_MS.postingRate, at });
    return counters;
  }
}
