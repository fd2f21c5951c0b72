import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { Environment } from '#app/config';
import { type ModerateJob, type ModerationCheck, moderateJobOptions, moderateJobs, moderationCheckKey, QUEUES } from '#app/queue';
import { ApiError } from '../common/api-error.js';

/** How long this process remembers a check it queued (between one and two of these). */
const QUEUED_MEMORY_MS = 5_000;

/** Strings remembered for between one and two spans, in two generations of sets (no per-entry timers). */
class RecentSet {
  private current = new Set<string>();
  private previous = new Set<string>();
  private rotatedAt = Date.now();

  constructor(private readonly spanMs: number) {}

  has(value: string): boolean {
    this.rotate();
    return this.current.has(value) || this.previous.has(value);
  }

  add(value: string): void {
    this.rotate();
    this.current.add(value);
  }

  private rotate(): void {
    const elapsed = Date.now() - this.rotatedAt;
    if (elapsed < this.spanMs) return;
    this.previous = elapsed < 2 * this.spanMs ? this.current : new Set();
    this.current = new Set();
    this.rotatedAt = Date.now();
  }
}

/** Puts stored comments on the moderation queue: the API's only producer of moderation jobs. */
@Injectable()
export class ModerationQueueService {
  private readonly logger = new Logger(ModerationQueueService.name);

  private readonly jobOptions: JobsOptions;

  /**
   * Checks this process queued lately. A job's id comes from all of its group's checks, so a retry
   * of a comment stored moments ago in a group would not hit the same id; it is skipped here
   * instead, and the worker's one decision per revision covers a retry through another process.
   */
  private readonly recentlyQueued = new RecentSet(QUEUED_MEMORY_MS);

  constructor(
    @InjectQueue(QUEUES.moderation) private readonly queue: Queue<ModerateJob>,
    env: Environment,
  ) {
    this.jobOptions = moderateJobOptions({ attempts: env.MODERATION_ATTEMPTS, backoffMs: env.MODERATION_BACKOFF_MS });
  }

  /**
   * One bulk add of jobs of up to MODERATION_GROUP_MAX checks, each check carrying the id of the
   * request that stored it. Queueing a check again is harmless (see above), so a retried request
   * can always call this. When Redis is away the comments stay stored and pending, and the client
   * gets a 503 telling it to retry (which queues them).
   */
  async enqueue(checks: ModerationCheck[]): Promise<void> {
    const due = checks.filter((check) => !this.recentlyQueued.has(moderationCheckKey(check)));
    if (due.length === 0) return;
    try {
      await this.queue.addBulk(moderateJobs(due, this.jobOptions));
    } catch (error) {
      // The ids of the requests that stored them: no logger is bound to a request.
      const correlationIds = [...new Set(due.flatMap((check) => check.correlationId ?? []))];
      this.logger.error({ msg: `could not queue ${due.length} check(s): ${(error as Error).message}`, correlationIds });
      throw new ApiError('service_unavailable', 'The moderation queue is unavailable; what you sent is stored, retry the request', [], {
        'Retry-After': '5',
      });
    }
    for (const check of due) this.recentlyQueued.add(moderationCheckKey(check));
  }
}
