import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Environment } from '#app/config';
import { updateRows } from '#app/database';
import { deliveryJobOptions, generateWebhookSecret, resolveWebhookTarget, UnsafeWebhookUrlError } from '#app/publishing';
import { JOBS, QUEUES } from '#app/queue';
import { ApiError } from '../common/api-error.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import type { DeliveriesQuery, SetWebhookDto } from './webhooks.dto.js';

export interface WebhookView {
  url: string;
  events: string[];
  /** Until when the previous secret also signs (during a rotation), or null. */
  previousSecretValidUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const VIEW = `url, events, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS "previousSecretValidUntil",
              created_at AS "createdAt", updated_at AS "updatedAt"`;
const DELIVERY = `d.id, d.event_type AS "eventType", a.external_id AS "articleId", d.thread_version::int AS "threadVersion", d.url,
                  d.status, d.attempts, d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
                  d.created_at AS "createdAt", d.updated_at AS "updatedAt", d.delivered_at AS "deliveredAt"`;

@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QUEUES.publication) private readonly queue: Queue,
    private readonly env: Environment,
  ) {}

  async get(siteId: string): Promise<WebhookView> {
    const [row] = await this.dataSource.query(`SELECT ${VIEW} FROM site_webhooks WHERE site_id = $1`, [siteId]);
    if (!row) throw ApiError.notFound('Webhook');
    return row;
  }

  /** Sets the URL and events. The first time, a signing secret is made and shown this once. */
  async set(siteId: string, dto: SetWebhookDto): Promise<WebhookView & { secret?: string }> {
    await this.checkUrl(dto.url);
    const secret = generateWebhookSecret();
    const [row] = await this.dataSource.query(
      `INSERT INTO site_webhooks (site_id, url, events, secret) VALUES ($1, $2, $3, $4)
       ON CONFLICT (site_id) DO UPDATE SET url = EXCLUDED.url, events = EXCLUDED.events, updated_at = now()
       RETURNING ${VIEW}, (xmax = 0) AS created`,
      [siteId, dto.url, dto.events, secret],
    );
    const { created, ...view } = row;
    return created ? { ...view, secret } : view;
  }

  /** A new secret, shown once; the old one keeps signing alongside it for the overlap. */
  async rotateSecret(siteId: string, overlapSeconds: number): Promise<WebhookView & { secret: string }> {
    const secret = generateWebhookSecret();
    const [row] = await updateRows<WebhookView>(
      this.dataSource,
      `UPDATE site_webhooks
          SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => $3), secret = $2, updated_at = now()
        WHERE site_id = $1 RETURNING ${VIEW}`,
      [siteId, secret, overlapSeconds],
    );
    if (!row) throw ApiError.notFound('Webhook');
    return { ...row, secret };
  }

  async deliveries(siteId: string, query: DeliveriesQuery) {
    const limit = query.limit ?? 50;
    const where = ['d.site_id = $1'];
    const params: unknown[] = [siteId];
    if (query.status) where.push(`d.status = $${params.push(query.status)}`);
    if (query.articleId) where.push(`a.external_id = $${params.push(query.articleId)}`);
    if (query.cursor) {
      const [time, id] = decodeCursor(query.cursor);
      where.push(`(d.created_at, d.id) < ($${params.push(time)}::timestamptz, $${params.push(id)}::uuid)`);
    }
    const rows = await this.dataSource.query(
      `SELECT ${DELIVERY}, d.created_at::text AS cursor_time FROM webhook_deliveries d LEFT JOIN articles a ON a.id = d.article_id
        WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.push(limit + 1)}`,
      params,
    );
    const page = rows.slice(0, limit).map(({ cursor_time: _c, ...row }: { cursor_time: string }) => row);
    const last = rows[limit - 1];
    return { items: page, nextCursor: rows.length > limit ? encodeCursor(last.cursor_time, last.id) : null };
  }

  /** One delivery with every attempt and the payload it carries. */
  async delivery(siteId: string, id: string) {
    const [row] = await this.dataSource.query(
      `SELECT ${DELIVERY}, d.payload FROM webhook_deliveries d LEFT JOIN articles a ON a.id = d.article_id WHERE d.id = $1 AND d.site_id = $2`,
      [id, siteId],
    );
    if (!row) throw ApiError.notFound('Delivery');
    const attempts = await this.dataSource.query(
      `SELECT attempted_at AS "attemptedAt", status_code AS "statusCode", latency_ms AS "latencyMs", error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id`,
      [id],
    );
    return { ...row, attempts };
  }

  /** Sends a delivery again now (same message id), with a fresh round of retries. */
  async replay(siteId: string, id: string) {
    const [row] = await updateRows<{ id: string }>(
      this.dataSource,
      `UPDATE webhook_deliveries SET status = 'pending', updated_at = now() WHERE id = $1 AND site_id = $2 RETURNING id`,
      [id, siteId],
    );
    if (!row) throw ApiError.notFound('Delivery');
    await this.enqueue([id]);
    return this.delivery(siteId, id);
  }

  async replayDead(siteId: string): Promise<{ replayed: number }> {
    const rows = await updateRows<{ id: string }>(
      this.dataSource,
      `UPDATE webhook_deliveries SET status = 'pending', updated_at = now() WHERE site_id = $1 AND status = 'dead' RETURNING id`,
      [siteId],
    );
    await this.enqueue(rows.map((r) => r.id));
    return { replayed: rows.length };
  }

  private async enqueue(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const options = deliveryJobOptions(this.env);
    const now = Date.now();
    try {
      await this.queue.addBulk(ids.map((deliveryId) => ({ name: JOBS.deliver.name, data: { deliveryId, replay: true }, opts: { ...options, jobId: `replay.${deliveryId}.${now}` } })));
    } catch {
      throw new ApiError('service_unavailable', 'The publication queue is unavailable; retry the replay', [], { 'Retry-After': '5' });
    }
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await resolveWebhookTarget(url, this.env.WEBHOOK_ALLOW_PRIVATE);
    } catch (error) {
      if (!(error instanceof UnsafeWebhookUrlError)) throw error;
      throw ApiError.invalid('url', error.message);
    }
  }
}
