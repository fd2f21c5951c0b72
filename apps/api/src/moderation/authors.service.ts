import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthorTrust } from '#app/moderation-engine';
import { type AuditEntry, AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { canReview, type Reviewer } from '../moderators/reviewer.guard.js';
import type { StandingDto } from './moderation.dto.js';
import { ReviewService } from './review.service.js';

export interface AuthorSummary {
  id: string;
  siteId: string;
  externalId: string;
  name: string;
  approvedCount: number;
  rejectedCount: number;
  accountAgeDays: number | null;
  reportCount: number;
  trust: AuthorTrust | null;
  trustReason: string | null;
}

const AUTHOR_SQL = `
  SELECT au.id, au.site_id AS "siteId", au.external_id AS "externalId", au.display_name AS name,
         count(c.id) FILTER (WHERE c.status = 'approved')::int AS "approvedCount",
         count(c.id) FILTER (WHERE c.status = 'rejected')::int AS "rejectedCount",
         floor(extract(epoch FROM now() - au.account_created_at) / 86400)::int AS "accountAgeDays",
         COALESCE(sum(c.report_count), 0)::int AS "reportCount", au.trust, au.trust_reason AS "trustReason"
    FROM authors au LEFT JOIN comments c ON c.author_id = au.id
   WHERE au.id = $1
   GROUP BY au.id`;

/** The standing word each action is audited under. */
const STANDING_ACTION: Record<string, string> = { banned: 'author.ban', trusted: 'author.trust', always_hold: 'author.always_hold' };

@Injectable()
export class AuthorsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly review: ReviewService,
    private readonly audit: AuditService,
  ) {}

  async summary(reviewer: Reviewer, id: string): Promise<AuthorSummary> {
    const [author]: AuthorSummary[] = await this.dataSource.query(AUTHOR_SQL, [id]);
    if (!author || !canReview(reviewer, author.siteId)) throw ApiError.notFound('Author');
    return author;
  }

  /** The author, their 50 latest comments with the decision on each, and their audit trail. */
  async profile(reviewer: Reviewer, id: string): Promise<{ author: AuthorSummary; comments: unknown[]; audit: AuditEntry[] }> {
    const author = await this.summary(reviewer, id);
    const [comments, audit] = await Promise.all([
      this.dataSource.query(
        `SELECT c.id, c.body, c.status, c.created_at AS "createdAt",
                (SELECT json_build_object('action', d.action, 'decidedBy', d.decided_by, 'reasons', d.reasons)
                   FROM decisions d WHERE d.comment_id = c.id ORDER BY d.id DESC LIMIT 1) AS decision
           FROM comments c WHERE c.author_id = $1 ORDER BY c.created_at DESC LIMIT 50`,
        [id],
      ),
      this.audit.query(reviewer.siteIds, { authorId: id, limit: 50 }),
    ]);
    return { author, comments, audit: audit.items };
  }

  /**
   * Bans, trusts, always holds or clears an author, with a reason, audited. A ban can also reject
   * every comment of theirs still waiting (held or pending), whoever holds its claim.
   */
  async setStanding(reviewer: Reviewer, id: string, dto: StandingDto): Promise<AuthorSummary> {
    await this.dataSource.transaction(async (tx) => {
      const [author] = await tx.query(`SELECT site_id FROM authors WHERE id = $1`, [id]);
      if (!author || !canReview(reviewer, author.site_id)) throw ApiError.notFound('Author');
      const statuses = dto.standing === 'banned' ? [...(dto.rejectHeld ? ['held', 'pending'] : []), ...(dto.removePublished ? ['approved'] : [])] : [];
      // The comments first, then the author: the order every transaction takes them (the worker
      // recording decisions, moderators, edits), so a ban never waits in a cycle with one of them.
      const waiting: { id: string }[] =
        statuses.length > 0
          ? await tx.query(`SELECT id FROM comments WHERE author_id = $1 AND status = ANY($2::text[]) ORDER BY id FOR UPDATE`, [id, statuses])
          : [];
      const [current] = await tx.query(`SELECT site_id, trust, trust_reason FROM authors WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      await tx.query(
        `UPDATE authors SET trust = $2, trust_reason = $3, trust_changed_by = $4, trust_changed_at = now(), updated_at = now() WHERE id = $1`,
        [id, dto.standing, dto.reason, reviewer.actor],
      );
      await this.audit.record(tx, {
        siteId: current.site_id,
        actor: reviewer.actor,
        actorName: reviewer.name,
        action: dto.standing ? STANDING_ACTION[dto.standing] : 'author.clear_standing',
        subjectType: 'author',
        subjectId: id,
        before: { standing: current.trust },
        after: {
          standing: dto.standing,
          rejectHeld: dto.standing === 'banned' && dto.rejectHeld === true,
          removePublished: dto.standing === 'banned' && dto.removePublished === true,
        },
        reason: dto.reason,
      });
      for (const { id: commentId } of waiting) {
        const comment = await this.review.lock(tx, reviewer, commentId);
        await this.review.apply(tx, reviewer, comment, 'reject', 'other', `Author banned: ${dto.reason}`, { overrideClaim: true });
      }
    });
    return this.summary(reviewer, id);
  }
}
