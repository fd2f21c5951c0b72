import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuthorTrust, Reason } from '#app/moderation-engine';
import { ApiError } from '../common/api-error.js';
import { decodeCursor, encodeCursor, isNumber, isTimestamp } from '../common/cursor.js';
import { canReview, type Reviewer } from '../moderators/reviewer.guard.js';
import type { QueueQuery, ReviewQueue } from './moderation.dto.js';

export interface ReviewItem {
  id: string;
  siteId: string;
  externalId: string;
  status: string;
  body: string;
  revision: number;
  createdAt: Date;
  reportCount: number;
  article: { id: string; title: string | null; url: string | null };
  parent: { id: string; externalId: string; body: string; author: { name: string } } | null;
  author: {
    id: string;
    externalId: string;
    name: string;
    approvedCount: number;
    rejectedCount: number;
    accountAgeDays: number | null;
    reportCount: number;
    trust: AuthorTrust | null;
  };
  decision: { action: string; decidedBy: string; by: string | null; reasons: Reason[]; scores: Record<string, number>; createdAt: Date } | null;
  claim: { by: string; name: string; expiresAt: Date; mine: boolean } | null;
}

export type QueueCounts = Record<ReviewQueue, number>;

/** Which comments each review queue holds. */
const QUEUE_FILTER: Record<ReviewQueue, string> = {
  held: `c.status = 'held'`,
  pending: `c.status = 'pending'`,
  approved: `c.status = 'approved'`,
  rejected: `c.status = 'rejected'`,
  // Readers flagged it since a moderator last decided on it, and it is (or was about to be)
  // visible: approved, or held back by the reports.
  reported: `c.report_count > c.reports_reviewed AND c.status IN ('approved', 'held')`,
};

const DEFAULT_LIMIT = 50;

// A comment as a moderator sees it: its text, context, author summary, why it was held, the claim.
const ITEM_SELECT = `
  SELECT c.id, c.site_id AS "siteId", c.external_id AS "externalId", c.status, c.body, c.revision,
         c.created_at AS "createdAt", c.report_count AS "reportCount",
         json_build_object('id', a.external_id, 'title', a.title, 'url', a.url) AS article,
         CASE WHEN p.id IS NULL THEN NULL ELSE
           json_build_object('id', p.id, 'externalId', p.external_id, 'body', p.body, 'author', json_build_object('name', pa.display_name))
         END AS parent,
         json_build_object('id', au.id, 'externalId', au.external_id, 'name', au.display_name,
                           'approvedCount', st.approved, 'rejectedCount', st.rejected,
                           'accountAgeDays', floor(extract(epoch FROM now() - au.account_created_at) / 86400)::int,
                           'reportCount', st.reports, 'trust', au.trust) AS author,
         CASE WHEN d.id IS NULL THEN NULL ELSE
           json_build_object('action', d.action, 'decidedBy', d.decided_by, 'by', d.actor, 'reasons', d.reasons,
                             'scores', d.scores, 'createdAt', d.created_at)
         END AS decision,
         CASE WHEN cl.expires_at > now() THEN
           json_build_object('by', cl.actor, 'name', cl.actor_name, 'expiresAt', cl.expires_at)
         END AS claim,
         COALESCE(d.top_score, 0)::float8 AS score, c.created_at::text AS created_key
    FROM comments c
    JOIN articles a ON a.id = c.article_id
    JOIN authors au ON au.id = c.author_id
    LEFT JOIN comments p ON p.id = c.parent_id
    LEFT JOIN authors pa ON pa.id = p.author_id
    LEFT JOIN comment_claims cl ON cl.comment_id = c.id
    LEFT JOIN LATERAL (
      SELECT dd.*, (SELECT max((value)::text::float8) FROM jsonb_each(dd.scores) WHERE jsonb_typeof(value) = 'number') AS top_score
        FROM decisions dd WHERE dd.comment_id = c.id ORDER BY dd.id DESC LIMIT 1) d ON true
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE o.status = 'approved')::int AS approved,
             count(*) FILTER (WHERE o.status = 'rejected')::int AS rejected,
             COALESCE(sum(o.report_count), 0)::int AS reports
        FROM comments o WHERE o.author_id = au.id) st ON true`;

type ItemRow = ReviewItem & { score: number; created_key: string };

/** The read side of review: queues with counts, and single items. */
@Injectable()
export class ReviewItemsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async queue(reviewer: Reviewer, query: QueueQuery): Promise<{ items: ReviewItem[]; counts: QueueCounts; nextCursor: string | null }> {
    const status = query.status ?? 'held';
    const sort = query.sort ?? 'oldest';
    const limit = query.limit ?? DEFAULT_LIMIT;
    const scope = this.scope(reviewer, query);
    const where = [...scope.where, QUEUE_FILTER[status]];
    const params = [...scope.params];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (query.category) add((n) => `d.reasons @> jsonb_build_array(jsonb_build_object('category', $${n}::text))`, query.category);
    if (query.reason) add((n) => `d.reasons @> jsonb_build_array(jsonb_build_object('code', $${n}::text))`, query.reason);
    const [sortKey, direction] = {
      oldest: ['c.created_at', 'ASC'],
      newest: ['c.created_at', 'DESC'],
      score: ['COALESCE(d.top_score, 0)', 'DESC'],
    }[sort];
    if (query.cursor) {
      const [key, id] = decodeCursor(query.cursor, sort === 'score' ? isNumber : isTimestamp);
      params.push(key, id);
      const keyCast = sort === 'score' ? 'float8' : 'timestamptz';
      where.push(`(${sortKey}, c.id) ${direction === 'ASC' ? '>' : '<'} ($${params.length - 1}::${keyCast}, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    const [rows, counts] = await Promise.all([
      this.dataSource.query(
        `${ITEM_SELECT} WHERE ${where.join(' AND ')} ORDER BY ${sortKey} ${direction}, c.id ${direction} LIMIT $${params.length}`,
        params,
      ) as Promise<ItemRow[]>,
      this.counts(scope),
    ]);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => toItem(row, reviewer)),
      counts,
      nextCursor: rows.length > limit ? encodeCursor(sort === 'score' ? String(last.score) : last.created_key, last.id) : null,
    };
  }

  /** One comment, or 404 when it does not exist or is of a site the reviewer may not see. */
  async item(reviewer: Reviewer, id: string, db: EntityManager = this.dataSource.manager): Promise<ReviewItem> {
    const [row]: ItemRow[] = await db.query(`${ITEM_SELECT} WHERE c.id = $1`, [id]);
    if (!row || !canReview(reviewer, row.siteId)) throw ApiError.notFound('Comment');
    return toItem(row, reviewer);
  }

  async history(id: string): Promise<{ action: string; decidedBy: string; by: string | null; reasons: Reason[]; createdAt: Date }[]> {
    return this.dataSource.query(
      `SELECT action, decided_by AS "decidedBy", actor AS by, reasons, created_at AS "createdAt", comment_revision AS revision
         FROM decisions WHERE comment_id = $1 ORDER BY id DESC`,
      [id],
    );
  }

  private async counts(scope: { where: string[]; params: unknown[] }): Promise<QueueCounts> {
    const columns = Object.entries(QUEUE_FILTER).map(([name, filter]) => `count(*) FILTER (WHERE ${filter})::int AS ${name}`);
    const [row] = await this.dataSource.query(
      `SELECT ${columns.join(', ')} FROM comments c JOIN articles a ON a.id = c.article_id WHERE ${scope.where.join(' AND ')}`,
      scope.params,
    );
    return row;
  }

  /** The sites (and article) a query covers: never more than the reviewer may see. */
  private scope(reviewer: Reviewer, query: QueueQuery): { where: string[]; params: unknown[] } {
    const where: string[] = ['true'];
    const params: unknown[] = [];
    if (reviewer.siteIds) {
      params.push(reviewer.siteIds);
      where.push(`c.site_id = ANY($${params.length}::uuid[])`);
    }
    if (query.siteId) {
      params.push(query.siteId);
      where.push(`c.site_id = $${params.length}::uuid`);
    }
    if (query.articleId) {
      params.push(query.articleId);
      where.push(`a.external_id = $${params.length}`);
    }
    return { where, params };
  }
}

function toItem({ score: _score, created_key: _key, ...row }: ItemRow, reviewer: Reviewer): ReviewItem {
  return { ...row, claim: row.claim ? { ...row.claim, mine: row.claim.by === reviewer.actor } : null };
}
