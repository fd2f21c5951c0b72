import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { Environment } from '#app/config';
import { JOBS, type ModerateJob, moderateJobId, moderateJobOptions, QUEUES } from '#app/queue';
import { ApiError } from '../common/api-error.js';

export interface CheckDue {
  commentId: string;
  revision: number;
}

/** Puts stored comments on the moderation queue: the API's only producer of moderation jobs. */
@Injectable()
export class ModerationQueueService {
  private readonly logger = new Logger(ModerationQueueService.name);

  private readonly jobOptions: JobsOptions;

  constructor(
    @InjectQueue(QUEUES.moderation) private readonly queue: Queue<ModerateJob>,
    env: Environment,
  ) {
    this.jobOptions = moderateJobOptions({ attempts: env.MODERATION_ATTEMPTS, backoffMs: env.MODERATION_BACKOFF_MS });
  }

  /**
   * One bulk add. The job id makes queueing the same check again a no-op, so a retried request
   * can always call this. When Redis is away the comments stay stored and pending, and the client
   * gets a 503 telling it to retry (which queues them).
   */
  async enqueue(checks: CheckDue[], correlationId?: string): Promise<void> {
    if (checks.length === 0) return;
    const enqueuedAt = Date.now();
    try {
      await this.queue.addBulk(
        checks.map(({ commentId, revision }) => ({
          name: JOBS.moderate.name,
          data: { commentId, revision, enqueuedAt, correlationId },
          opts: { ...this.jobOptions, jobId: moderateJobId(commentId, revision) },
        })),
      );
    } catch (error) {
      this.logger.error(`could not queue ${checks.length} check(s): ${(error as Error).message}`);
      throw new ApiError('service_unavailable', 'The moderation queue is unavailable; what you sent is stored, retry the request', [], {
        'Retry-After': '5',
      });
    }
  }
}
