import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { Environment } from '#app/config';
import { JOBS, type ModerateJob, QUEUES, workerLockOptions } from '#app/queue';
import { ModerationService, type ModerationSummary } from './moderation.service.js';

/** Consumes the moderation queue. Failed attempts are retried with back-off (moderateJobOptions). */
@Processor(QUEUES.moderation, workerLockOptions())
export class ModerationProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ModerationProcessor.name);

  constructor(
    private readonly moderation: ModerationService,
    private readonly env: Environment,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.env.MODERATION_CONCURRENCY;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<ModerateJob> | undefined, error: Error): void {
    const attempts = job ? `attempt ${job.attemptsMade} of ${job.opts.attempts}` : 'unknown job';
    const checks = job?.data.checks ?? [];
    this.logger.warn({ msg: `moderation of ${checks.length} comment(s) (job ${job?.id}) failed (${attempts}): ${error.message}`, correlationId: checks[0]?.correlationId });
  }

  async process(job: Job<ModerateJob>): Promise<ModerationSummary> {
    switch (job.name) {
      case JOBS.moderate.name:
        return this.moderation.moderate(job.data.checks);
      default:
        // Retrying cannot help a job this worker does not know; fail it visibly instead.
        throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUES.moderation}`);
    }
  }
}
