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

/**
 * The engine's counter signals, kept in Redis so every worker sees the same counts. Each counter
 * is a sorted set of comment ids scored by posting time: adding the same comment again (a retried
 * job) changes nothing, and old entries are trimmed as the window moves.
 */
@Injectable()
export class SpamCountersService {
  private readonly logger = new Logger(SpamCountersService.name);

  constructor(
    private readonly redis: Redis,
    private readonly env: Environment,
  ) {}

  /**
   * The signals of several comments, counted in one pipeline: each comment's commands in order, as
   * if counted one after another. When Redis fails every comment gets none.
   */
  async countMany(comments: readonly CountedComment[]): Promise<CommentSignals[]> {
    const pipeline = this.redis.pipeline();
    const names = comments.map((comment) => {
      const text = createHash('sha256').update(textFingerprint(comment.body)).digest('base64url').slice(0, 22);
      const key = (...parts: string[]) => `${this.env.QUEUE_PREFIX}:signals:${comment.siteId}:${parts.join(':')}`;
      const counters: [name: keyof CommentSignals, key: string, member: string, windowMs: number][] = [
        ['authorRepeatCount', key('author-text', comment.authorId, text), comment.commentId, SIGNAL_WINDOWS_MS.authorRepeat],
        ['distinctAuthorsSameText', key('text-authors', text), comment.authorId, SIGNAL_WINDOWS_MS.sameTextAuthors],
        ['authorPostsLastMinute', key('author-posts', comment.authorId), comment.commentId, SIGNAL_WINDOWS_MS.postingRate],
      ];
      if (comment.ipHash) counters.push(['ipPostsLastMinute', key('ip-posts', comment.ipHash), comment.commentId, SIGNAL_WINDOWS_MS.postingRate]);
      for (const [, counterKey, member, windowMs] of counters) {
        pipeline.zadd(counterKey, comment.postedAt, member);
        pipeline.zremrangebyscore(counterKey, '-inf', comment.postedAt - windowMs);
        pipeline.zcount(counterKey, comment.postedAt - windowMs, comment.postedAt);
        pipeline.pexpire(counterKey, windowMs * 2);
      }
      return counters.map(([name]) => name);
    });
    try {
      const results = (await pipeline.exec()) ?? [];
      let command = 0;
      return names.map((counted) => {
        const signals: CommentSignals = {};
        for (const name of counted) {
          const [error, value] = results[command + 2];
          if (!error) signals[name] = Number(value);
          command += 4;
        }
        return signals;
      });
    } catch (error) {
      // Absent counters are not checked by the engine; the other phases still run.
      this.logger.warn(`spam counters unavailable: ${(error as Error).message}`);
      return comments.map(() => ({}));
    }
  }
}
