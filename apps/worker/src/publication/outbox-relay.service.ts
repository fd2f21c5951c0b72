import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import { deliveryJobOptions, THREAD_EVENT } from '#app/publishing';
import { JOBS, type PublishThreadJob, publishThreadJobId, QUEUES, untilWindowEnds } from '#app/queue';
import { PeriodicTask } from '../common/periodic-task.js';


const BATCH = 500;

interface OutboxRow {
  id: string;
  site_id: string;
  article_id: string;
  event_type: string;
  payload: unknown;
  correlation_id: string | null;
  created_at: Date;
  url: string | null;
  events: string[] | null;
}

/**
 * Moves outbox rows to the publication queue. Rows are locked with SKIP LOCKED, queued, and
 * deleted in one transaction: if queueing fails the rows stay for the next round, so a crash
 * between a decision's commit and its enqueue never loses a publication.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelayService.name);
  private readonly rounds: PeriodicTask;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.publication) private readonly queue: Queue,
    private readonly env: Environment,
  ) {
    // A full batch means more may be waiting: one more round at once.
    const round = () => this.relay().then((moved) => (moved === BATCH ? this.relay() : undefined));
    this.rounds = new PeriodicTask(round, env.OUTBOX_POLL_MS, (error) => this.logger.warn(`outbox relay failed, will retry: ${error.message}`));
  }

  onApplicationBootstrap(): void {
    this.rounds.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round: returns how many rows it moved. */
  async relay(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const rows: OutboxRow[] = await tx.query(
        `SELECT o.id, o.site_id, o.article_id, o.event_type, o.payload, o.correlation_id, o.created_at, w.url, w.events
           FROM outbox o LEFT JOIN site_webhooks w ON w.site_id = o.site_id
          ORDER BY o.id LIMIT ${BATCH} FOR UPDATE OF o SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      // Sites without a webhook, or not subscribed to the event, get nothing (they can pull).
      const wanted = rows.filter((row) => row.url && row.events!.includes(row.event_type));
      const threads = new Map<string, PublishThreadJob>();
      for (const row of wanted.filter((r) => r.event_type === THREAD_EVENT)) {
        threads.set(row.article_id, { siteId: row.site_id, articleId: row.article_id, correlationId: row.correlation_id });
      }
      const events = wanted.filter((row) => row.event_type !== THREAD_EVENT);
      const deliveries: { id: string }[] = events.length
        ? await tx.query(
            `INSERT INTO webhook_deliveries (site_id, event_type, article_id, url, correlation_id, payload, status)
             SELECT e.site_id, e.event_type, e.article_id, e.url, e.correlation_id,
                    json_build_object('type', e.event_type, 'timestamp', e.created_at, 'data', json_build_object('siteId', e.site_id, 'comment', e.payload)),
                    'pending'
               FROM jsonb_to_recordset($1::jsonb) AS e(site_id uuid, event_type text, article_id uuid, url text, payload jsonb, correlation_id text, created_at timestamptz)
             RETURNING id`,
            [JSON.stringify(events)],
          )
        : [];
      const window = this.env.THREAD_COALESCE_MS;
      const options = deliveryJobOptions(this.env);
      await this.queue.addBulk([
        ...[...threads.values()].map((data) => ({
          name: JOBS.publishThread.name,
          data,
          opts: { ...options, jobId: publishThreadJobId(data.articleId, window), delay: untilWindowEnds(window) },
        })),
        ...deliveries.map(({ id }) => ({ name: JOBS.deliver.name, data: { deliveryId: id }, opts: { ...options, jobId: `delivery.${id}` } })),
      ]);
      await tx.query(`DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }
}
