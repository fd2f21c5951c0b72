import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import { Metrics } from '#app/observability';
import { deliveryJobOptions } from '#app/publishing';
import { JOBS, type ModerateJob, type ModerationCheck, moderateJobOptions, moderateJobs, QUEUES } from '#app/queue';
import { PeriodicTask } from '../common/periodic-task.js';

const BATCH = 1000;
/**
 * Between a comment's storing and its job's creation, plus the clocks of the API hosts (which
 * stamp jobs) against PostgreSQL's (which stamps comments).
 */
const QUEUEING_SLACK_MS = 60_000;
/** Failed jobs read for the comments to leave alone (the most recently failed first). */
const FAILED_JOBS_READ = 1000;

/**
 * Finds work the queue lost — Redis flushed or restored from an old snapshot, an enqueue that
 * failed after its commit — and queues it again: comments pending since before every job still
 * queued was created (so in none of them), deliveries pending long after their last retry was due.
 * Failed jobs are left alone: they are visible in the queue dashboard for an operator to retry.
 * Safe with many workers: job ids make the re-queues idempotent, and a duplicate job writes no
 * second decision.
 */
@Injectable()
export class ReconcilerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReconcilerService.name);
  private readonly rounds: PeriodicTask;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.moderation) private readonly moderation: Queue<ModerateJob>,
    @InjectQueue(QUEUES.publication) private readonly publication: Queue,
    private readonly env: Environment,
    private readonly metrics: Metrics,
  ) {
    this.rounds = new PeriodicTask(() => this.reconcile(), env.RECONCILE_INTERVAL_MS, (error) => this.logger.warn(`reconciler round failed: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.rounds.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round; answers what it re-queued. */
  async reconcile(): Promise<{ comments: number; deliveries: number }> {
    const comments = await this.requeueComments();
    const deliveries = await this.requeueDeliveries();
    if (comments + deliveries > 0) this.logger.warn(`re-queued ${comments} pending comment(s) and ${deliveries} delivery(ies) with no job`);
    return { comments, deliveries };
  }

  /**
   * Jobs run roughly in the order they were created, so a comment stored before the oldest job
   * still queued was created is in none of them: its job was lost. Reading the oldest job, not
   * every comment's job, keeps a round cheap however long the backlog.
   */
  private async requeueComments(): Promise<number> {
    const oldest = await this.oldestQueuedJob();
    const failed = await this.checksOfFailedJobs();
    const pending: { id: string; revision: number }[] = await this.dataSource.query(
      `SELECT c.id, c.revision FROM comments c
        WHERE c.status = 'pending' AND c.updated_at < now() - make_interval(secs => $1)
          AND ($2::timestamptz IS NULL OR c.updated_at < $2)
          AND NOT EXISTS (SELECT 1 FROM unnest($3::uuid[], $4::int[]) AS f(id, revision) WHERE f.id = c.id AND f.revision = c.revision)
        ORDER BY c.updated_at LIMIT ${BATCH}`,
      [
        this.env.RECONCILE_PENDING_AFTER_MS / 1000,
        oldest === null ? null : new Date(oldest - QUEUEING_SLACK_MS),
        failed.map((check) => check.commentId),
        failed.map((check) => check.revision),
      ],
    );
    const options = moderateJobOptions({ attempts: this.env.MODERATION_ATTEMPTS, backoffMs: this.env.MODERATION_BACKOFF_MS });
    const jobs = moderateJobs(pending.map((c) => ({ commentId: c.id, revision: c.revision })), options);
    // A job re-queued by an earlier round may still wait behind the backlog: it is not added twice.
    const queued = await Promise.all(jobs.map((job) => this.moderation.getJob(job.opts.jobId!)));
    const lost = jobs.filter((_, i) => !queued[i]);
    if (lost.length === 0) return 0;
    await this.moderation.addBulk(lost);
    const comments = lost.reduce((sum, job) => sum + job.data.checks.length, 0);
    this.metrics.reconciler.inc({ action: 'requeue_comment' }, comments);
    return comments;
  }

  /**
   * When the oldest job still to run was created (epoch ms), or null when none is: the first
   * waiting, and every running or delayed one (a retried job keeps its creation time). Waiting
   * jobs are read first, so one that starts meanwhile is seen as active.
   */
  private async oldestQueuedJob(): Promise<number | null> {
    const waiting = await this.moderation.getJobs(['waiting', 'prioritized'], 0, 0, true);
    const started = await this.moderation.getJobs(['active', 'delayed']);
    return [...waiting, ...started].reduce<number | null>((oldest, job) => (oldest === null || job.timestamp < oldest ? job.timestamp : oldest), null);
  }

  /** The checks of failed jobs, which wait for an operator; only the most recent FAILED_JOBS_READ jobs are read. */
  private async checksOfFailedJobs(): Promise<ModerationCheck[]> {
    const failed = await this.moderation.getJobs(['failed'], 0, FAILED_JOBS_READ - 1);
    return failed.flatMap((job) => job.data.checks);
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
