import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import { Metrics } from '#app/observability';
import { deliveryJobOptions } from '#app/publishing';
import { JOBS, type ModerateJob, moderateJobId, moderateJobOptions, moderateJobs, QUEUES } from '#app/queue';

const BATCH = 1000;

/**
 * Finds work the queue lost — Redis flushed or restored from an old snapshot, an enqueue that
 * failed after its commit — and queues it again: comments pending with no job, deliveries pending
 * long after their last retry was due. Failed jobs are left alone: they are visible in the queue
 * dashboard for an operator to retry. Safe with many workers: job ids make the re-queues idempotent.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.moderation) private readonly moderation: Queue<ModerateJob>,
    @InjectQueue(QUEUES.publication) private readonly publication: Queue,
    private readonly env: Environment,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.reconcile()
        .catch((error: Error) => this.logger.warn(`reconciler round failed: ${error.message}`))
        .finally(() => (this.running = null));
    }, this.env.RECONCILE_INTERVAL_MS);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One round; answers what it re-queued. */
  async reconcile(): Promise<{ comments: number; deliveries: number }> {
    const comments = await this.requeueComments();
    const deliveries = await this.requeueDeliveries();
    if (comments + deliveries > 0) this.logger.warn(`re-queued ${comments} pending comment(s) and ${deliveries} delivery(ies) with no job`);
    return { comments, deliveries };
  }

  private async requeueComments(): Promise<number> {
    const pending: { id: string; revision: number }[] = await this.dataSource.query(
      `SELECT id, revision FROM comments WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1)
        ORDER BY updated_at LIMIT ${BATCH}`,
      [this.env.RECONCILE_PENDING_AFTER_MS / 1000],
    );
    const jobIds = pending.map((c) => moderateJobId([{ commentId: c.id, revision: c.revision }]));
    const jobs = await Promise.all(jobIds.map((id) => this.moderation.getJob(id)));
    const lost = pending.filter((_, i) => !jobs[i]);
    if (lost.length === 0) return 0;
    const options = moderateJobOptions({ attempts: this.env.MODERATION_ATTEMPTS, backoffMs: this.env.MODERATION_BACKOFF_MS });
    await this.moderation.addBulk(moderateJobs(lost.map((c) => ({ commentId: c.id, revision: c.revision })), options));
    this.metrics.reconciler.inc({ action: 'requeue_comment' }, lost.length);
    return lost.length;
  }

  /**
   * A pending delivery untouched for longer than the longest retry delay (plus slack) has no job
   * waiting for it any more. The job id carries its last update, so workers racing agree on one job.
   */
  private async requeueDeliveries(): Promise<number> {
    const quietMs = this.env.WEBHOOK_RETRY_MAX_MS * 1.5 + 5 * 60_000;
    const stuck: { id: string; touched: string }[] = await this.dataSource.query(
      `SELECT id, floor(extract(epoch FROM updated_at))::bigint AS touched FROM webhook_deliveries
        WHERE status = 'pending' AND updated_at < now() - make_interval(secs => $1) ORDER BY updated_at LIMIT ${BATCH}`,
      [quietMs / 1000],
    );
    if (stuck.length === 0) return 0;
    const options = deliveryJobOptions(this.env);
    await this.publication.addBulk(
      stuck.map(({ id, touched }) => ({ name: JOBS.deliver.name, data: { deliveryId: id }, opts: { ...options, jobId: `reconcile.${id}.${touched}` } })),
    );
    this.metrics.reconciler.inc({ action: 'requeue_delivery' }, stuck.length);
    return stuck.length;
  }
}
