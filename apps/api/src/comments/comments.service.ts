import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type CommentStatus, isPgError, type ReportReason, updateRows } from '#app/database';
import type { Reason } from '#app/moderation-engine';
import { announceDecision, recordThreadChange } from '#app/publishing';
import { ApiError } from '../common/api-error.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { SiteSettingsCache } from '../sites/site-settings.cache.js';
import { ModerationQueueService } from './moderation-queue.service.js';
import type { CommentPage, CommentView, ListCommentsQuery, ReportCommentDto } from './comments.dto.js';

const DEFAULT_PAGE_SIZE = 50;

// Comments in the shape of CommentView, each with its latest decision.
const VIEW_SQL = `
  SELECT c.id, c.external_id AS "externalId", a.external_id AS "articleId",
         c.parent_external_id AS "parentId",
         json_build_object('id', au.external_id, 'name', au.display_name) AS author,
         c.body, c.status, c.revision, c.report_count AS "reportCount",
         c.created_at AS "createdAt", c.updated_at AS "updatedAt",
         (SELECT json_build_object('action', d.action, 'decidedBy', d.decided_by, 'reasons', d.reasons,
                                   'scores', d.scores, 'engineVersion', d.engine_version, 'createdAt', d.created_at)
            FROM decisions d WHERE d.comment_id = c.id ORDER BY d.id DESC LIMIT 1) AS decision,
         c.created_at::text AS cursor_time
    FROM comments c
    JOIN articles a ON a.id = c.article_id
    JOIN authors au ON au.id = c.author_id`;

type ViewRow = CommentView & { cursor_time?: string };

function toView({ cursor_time: _cursor, ...view }: ViewRow): CommentView {
  return view;
}
@Injectable()
export class CommentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly checks: ModerationQueueService,
    private readonly settings: SiteSettingsCache,
  ) {}

  /** By our id; the controller's IdPipe has checked it is a UUID. */
  async findById(siteId: string, id: string): Promise<CommentView> {
    const [row] = await this.dataSource.query(`${VIEW_SQL} WHERE c.id = $1 AND c.site_id = $2`, [id, siteId]);
    if (!row) throw ApiError.notFound('Comment');
    return toView(row);
  }

  async findByExternalId(siteId: string, externalId: string): Promise<CommentView> {
    const [row] = await this.dataSource.query(`${VIEW_SQL} WHERE c.site_id = $1 AND c.external_id = $2`, [siteId, externalId]);
    if (!row) throw ApiError.notFound('Comment');
    return toView(row);
  }

  /** Oldest first, keyset-paginated on (created_at, id): stable while comments keep arriving. */
  async list(siteId: string, query: ListCommentsQuery): Promise<CommentPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const where = ['c.site_id = $1'];
    const params: unknown[] = [siteId];
    const add = (condition: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(condition(params.length));
    };
    if (query.articleId) add((n) => `a.external_id = $${n}`, query.articleId);
    if (query.status) add((n) => `c.status = $${n}`, query.status);
    if (query.since) add((n) => `c.created_at >= $${n}::timestamptz`, query.since);
    if (query.cursor) {
      const [time, id] = decodeCursor(query.cursor);
      params.push(time, id);
      where.push(`(c.created_at, c.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const rows: ViewRow[] = await this.dataSource.query(
      `${VIEW_SQL} WHERE ${where.join(' AND ')} ORDER BY c.created_at, c.id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toView), nextCursor: rows.length > limit ? encodeCursor(last.cursor_time!, last.id) : null };
  }

  /**
   * A new revision, checked again. The last approved revision stays the published one until the
   * new one is decided.
   */
  async edit(siteId: string, id: string, body: string, correlationId?: string): Promise<CommentView> {
    const { maxBodyLength } = await this.settings.get(siteId);
    if (body.length > maxBodyLength) throw ApiError.invalid('body', `must be at most ${maxBodyLength} characters long`);
    const revision = await this.dataSource.transaction(async (tx) => {
      const current = await this.lock(tx, siteId, id);
      if (current.status === 'deleted') throw new ApiError('conflict', 'The comment was deleted and cannot be edited');
      // Nothing changed: no new revision. A retry of an edit still pending queues its check again.
      if (current.body === body) return current.status === 'pending' ? current.revision : null;
      const [updated] = await updateRows<{ revision: number }>(
        tx,
        `UPDATE comments SET body = $2, revision = revision + 1, status = 'pending', updated_at = now()
          WHERE id = $1 RETURNING revision`,
        [id, body],
      );
      await tx.query(`INSERT INTO comment_revisions (comment_id, revision, body) VALUES ($1, $2, $3)`, [id, updated.revision, body]);
      return updated.revision;
    });
    if (revision !== null) await this.checks.enqueue([{ commentId: id, revision, correlationId }]);
    return this.findById(siteId, id);
  }

  /** The author withdrew it: gone from the published thread, kept for the audit. Repeating it is harmless. */
  async withdraw(siteId: string, id: string): Promise<CommentView> {
    await this.dataSource.transaction(async (tx) => {
      const current = await this.lock(tx, siteId, id);
      if (current.status === 'deleted') return;
      await tx.query(`UPDATE comments SET status = 'deleted', deleted_at = now(), updated_at = now() WHERE id = $1`, [id]);
      if (current.published_revision !== null) await recordThreadChange(tx, id);
    });
    return this.findById(siteId, id);
  }

  /**
   * Records one reader's report. When the distinct reports since a moderator last decided on it
   * reach the site's threshold, an approved comment goes back to review (held), with the reports
   * as the reason.
   */
  async report(siteId: string, id: string, dto: ReportCommentDto): Promise<{ id: string; commentId: string; reportCount: number; status: CommentStatus }> {
    const { reportThreshold } = await this.settings.get(siteId);
    return this.dataSource.transaction(async (tx) => {
      const current = await this.lock(tx, siteId, id);
      if (current.status === 'deleted') throw new ApiError('conflict', 'The comment was deleted and cannot be reported');
      let reportId: string;
      try {
        [{ id: reportId }] = await tx.query(
          `INSERT INTO reports (site_id, comment_id, reporter_id, reason, note) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [siteId, id, dto.reporterId, dto.reason, dto.note ?? null],
        );
      } catch (error) {
        if (!isPgError(error, 'uniqueViolation')) throw error;
        throw new ApiError('conflict', 'This reader has already reported this comment', [
          { field: 'reporterId', problem: 'has already reported this comment' },
        ]);
      }
      const [{ report_count: reportCount, reports_reviewed: reviewed }] = await updateRows<{ report_count: number; reports_reviewed: number }>(
        tx,
        `UPDATE comments SET report_count = report_count + 1 WHERE id = $1 RETURNING report_count, reports_reviewed`,
        [id],
      );
      let status = current.status;
      // Reports a moderator has seen and approved over count no more: only new ones hold it again.
      if (reportCount - reviewed >= reportThreshold && status === 'approved') {
        await this.holdForReports(tx, id, current.revision, reportCount);
        status = 'held';
      }
      return { id: reportId, commentId: id, reportCount, status };
    });
  }

  private async holdForReports(tx: EntityManager, id: string, revision: number, reportCount: number): Promise<void> {
    const byReason: { reason: ReportReason; count: string }[] = await tx.query(
      `SELECT reason, count(*) FROM reports WHERE comment_id = $1 GROUP BY reason ORDER BY count(*) DESC, reason`,
      [id],
    );
    const summary = byReason.map((r) => `${r.reason} ×${r.count}`).join(', ');
    const reason: Reason = {
      code: 'reports.threshold',
      category: 'policy',
      phase: 'reports',
      message: `Reported by ${reportCount} readers (${summary})`,
      spans: [],
    };
    await tx.query(
      `INSERT INTO decisions (comment_id, comment_revision, action, decided_by, kind, reasons, scores)
       VALUES ($1, $2, 'hold', 'system', 'reports', $3, $4)`,
      [id, revision, JSON.stringify([reason]), JSON.stringify({ reports: reportCount })],
    );
    await tx.query(`UPDATE comments SET status = 'held', published_revision = NULL, updated_at = now() WHERE id = $1`, [id]);
    await announceDecision(tx, id, 'hold', true);
  }

  /** The comment's row, locked for this transaction; 404 when it is not this site's. */
  private async lock(
    tx: EntityManager,
    siteId: string,
    id: string,
  ): Promise<{ status: CommentStatus; body: string; revision: number; published_revision: number | null }> {
    const [row] = await tx.query(
      `SELECT status, body, revision, published_revision FROM comments WHERE id = $1 AND site_id = $2 FOR UPDATE`,
      [id, siteId],
    );
    if (!row) throw ApiError.notFound('Comment');
    return row;
  }
}
