import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import { Environment } from '#app/config';
import { type ModerateJob, moderateJobOptions, moderateJobs, QUEUES } from '#app/queue';
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
   * One bulk add of jobs of up to MODERATION_GROUP_MAX checks. The job id makes queueing the same check again a no-op, so a retried request
   * can always call this. When Redis is away the comments stay stored and pending, and the client
   * gets a 503 telling it to retry (which queues them).
   */
  async enqueue(checks: CheckDue[], correlationId?: string): Promise<void> {
    if (checks.length === 0) return;
    try {
      await this.queue.addBulk(moderateJobs(checks.map((check) => ({ ...check, correlationId })), this.jobOptions));
    } catch (error) {
      this.logger.error(`could not queue ${checks.length} check(s): ${(error as Error).message}`);
      throw new ApiError('service_unavailable', 'The moderation queue is unavailable; what you sent is stored, retry the request', [], {
        'Retry-After': '5',
      });
    }
  }
}
