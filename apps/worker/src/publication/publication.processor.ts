import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { Environment, loadEnvironment } from '#app/config';
import { updateRows } from '#app/database';
import { Metrics } from '#app/observability';
import { loadPublishedThread, postSigned, retryDelay, retrySchedule, THREAD_EVENT } from '#app/publishing';
import { type DeliverJob, JOBS, type PublishThreadJob, QUEUES, workerLockOptions } from '#app/queue';


interface Delivery {
  id: string;
  site_id: string;
  event_type: string;
  article_id: string | null;
  thread_version: number | null;
  url: string;
  payload: unknown;
  status: string;
  correlation_id: string | null;
  secret: string | null;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

export type DeliveryOutcome = 'delivered' | 'superseded' | 'no-webhook' | 'already-done';

let schedule: ReturnType<typeof retrySchedule> | undefined;
const COMMIT_WAIT_MS = 100;
const COMMIT_WAIT_ROUNDS = 100;

/** Delivers to the sites' article services, retrying with back-off and jitter, then dead-letters. */
@Processor(QUEUES.publication, {
  ...workerLockOptions(),
  concurrency: 16,
  settings: {
    // Read when a retry is scheduled, from the same validated environment as everything else.
    backoffStrategy: (attemptsMade: number) => retryDelay((schedule ??= retrySchedule(loadEnvironment())), attemptsMade),
  },
})
export class PublicationProcessor extends WorkerHost {
  private readonly logger = new Logger(PublicationProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly env: Environment,
    private readonly metrics: Metrics,
  ) {
    super();
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn(`publication job ${job?.id} failed (attempt ${job?.attemptsMade}): ${error.message}`);
  }

  async process(job: Job<PublishThreadJob | DeliverJob>, token?: string): Promise<DeliveryOutcome> {
    switch (job.name) {
      case JOBS.publishThread.name: {
        const data = job.data as PublishThreadJob;
        // The job's id with its creation time: a completed job is removed at once, and its id may come back.
        const deliveryId = data.deliveryId ?? (await this.storeThreadDelivery(data, `${job.id}@${job.timestamp}`));
        if (!deliveryId) return 'no-webhook';
        if (!data.deliveryId) await job.updateData({ ...data, deliveryId });
        return this.deliver(job, deliveryId, token);
      }
      case JOBS.deliver.name:
        return this.deliver(job, (job.data as DeliverJob).deliveryId, token);
      default:
        throw new UnrecoverableError(`unknown job "${job.name}" on queue ${QUEUES.publication}`);
    }
  }

  /**
   * The article's thread as it is now, frozen into a delivery: retries resend this same message.
   * One per job: a run that crashed before noting the delivery on the job stored it already.
   */
  private async storeThreadDelivery({ siteId, articleId, correlationId }: PublishThreadJob, jobKey: string): Promise<string | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      const [webhook] = await tx.query(`SELECT url, events FROM site_webhooks WHERE site_id = $1`, [siteId]);
      if (!webhook || !webhook.events.includes(THREAD_EVENT)) return null;
      const thread = await loadPublishedThread(tx, articleId);
      if (!thread) return null;
      const payload = { type: THREAD_EVENT, timestamp: new Date().toISOString(), data: thread };
      const [{ id }] = await tx.query(
        `WITH stored AS (
           INSERT INTO webhook_deliveries (site_id, event_type, article_id, thread_version, url, payload, correlation_id, status, job_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)
           ON CONFLICT (job_key) WHERE job_key IS NOT NULL DO NOTHING RETURNING id)
         SELECT id FROM stored UNION ALL SELECT id FROM webhook_deliveries WHERE job_key = $8`,
        [siteId, THREAD_EVENT, articleId, thread.threadVersion, webhook.url, JSON.stringify(payload), correlationId ?? null, jobKey],
      );
      return id;
    });
  }

  /**
   * The relay queues a delivery just before its transaction commits, so a fast worker can see the
   * job before the row. Wait for the commit without spending a retry; a row that never appears
   * (the relay rolled back, and its outbox rows will be relayed again) ends the job.
   */
  private async waitForCommit(job: Job, token: string | undefined): Promise<never> {
    const waited = (job.data as { waitedForCommit?: number }).waitedForCommit ?? 0;
    if (waited >= COMMIT_WAIT_ROUNDS || !token) throw new UnrecoverableError('the delivery was never committed; its outbox rows are relayed again');
    await job.updateData({ ...job.data, waitedForCommit: waited + 1 });
    await job.moveToDelayed(Date.now() + COMMIT_WAIT_MS, token);
    throw new DelayedError();
  }

  private async deliver(job: Job, deliveryId: string, token: string | undefined): Promise<DeliveryOutcome> {
    const [delivery]: Delivery[] = await this.dataSource.query(
      `SELECT d.*, w.secret, w.previous_secret, w.previous_secret_expires_at
         FROM webhook_deliveries d LEFT JOIN site_webhooks w ON w.site_id = d.site_id WHERE d.id = $1`,
      [deliveryId],
    );
    if (!delivery) return this.waitForCommit(job, token);
    if (delivery.status === 'delivered' || delivery.status === 'superseded') return 'already-done';
    if (!delivery.secret) throw new UnrecoverableError('the site has no webhook any more');
    if (!(job.data as DeliverJob).replay && (await this.superseded(delivery))) {
      this.metrics.webhookDeliveries.inc({ event: delivery.event_type, result: 'superseded' });
      return 'superseded';
    }

    const secrets = [delivery.secret];
    if (delivery.previous_secret && delivery.previous_secret_expires_at && delivery.previous_secret_expires_at > new Date()) {
      secrets.push(delivery.previous_secret);
    }
    const result = await postSigned({
      url: delivery.url,
      secrets,
      messageId: `msg_${delivery.id}`,
      correlationId: delivery.correlation_id,
      body: JSON.stringify(delivery.payload),
      timeoutMs: this.env.WEBHOOK_TIMEOUT_MS,
      allowPrivate: this.env.WEBHOOK_ALLOW_PRIVATE,
    });
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const status = result.ok ? 'delivered' : lastAttempt ? 'dead' : 'pending';
    this.metrics.webhookLatency.observe(result.latencyMs / 1000);
    const recorded = await this.dataSource.transaction(async (tx) => {
      await tx.query(`INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error) VALUES ($1, $2, $3, $4)`, [
        delivery.id,
        result.statusCode,
        result.latencyMs,
        result.error,
      ]);
      // A failure changes only a delivery still pending: another run of it (a replay, a re-queue
      // by the reconciler) may have delivered it meanwhile, or a newer thread superseded it. A
      // success always counts: the receiver has the message.
      const updated = await updateRows(
        tx,
        `UPDATE webhook_deliveries
            SET status = $2, attempts = attempts + 1, last_status_code = $3, last_error = $4, updated_at = now(),
                delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
          WHERE id = $1 AND (status = 'pending' OR $2 = 'delivered')
         RETURNING id`,
        [delivery.id, status, result.statusCode, result.error],
      );
      return updated.length > 0;
    });
    this.metrics.webhookDeliveries.inc({ event: delivery.event_type, result: status === 'pending' || !recorded ? 'failed' : status });
    if (result.ok) return 'delivered';
    // Settled by another run while this attempt failed: nothing left to retry.
    if (!recorded) return 'already-done';
    if (status === 'dead') {
      this.logger.warn({
        msg: `delivery ${delivery.id} to ${new URL(delivery.url).host} dead-lettered after ${job.attemptsMade + 1} attempts: ${result.error}`,
        correlationId: delivery.correlation_id,
      });
    }
    throw new Error(result.error ?? 'delivery failed');
  }

  /**
   * A thread delivery that a newer one of the same article has overtaken is not sent: the
   * receiver has (or will get) the newer thread, and would drop this one as stale anyway.
   */
  private async superseded(delivery: Delivery): Promise<boolean> {
    if (delivery.event_type !== THREAD_EVENT) return false;
    const [newer] = await updateRows<{ id: string }>(
      this.dataSource,
      `UPDATE webhook_deliveries SET status = 'superseded', updated_at = now()
        WHERE id = $1 AND EXISTS (
          SELECT 1 FROM webhook_deliveries n
           WHERE n.article_id = $2 AND n.event_type = $3 AND n.thread_version > $4 AND n.status = 'delivered')
       RETURNING id`,
      [delivery.id, delivery.article_id, THREAD_EVENT, delivery.thread_version],
    );
    return newer !== undefined;
  }
}
