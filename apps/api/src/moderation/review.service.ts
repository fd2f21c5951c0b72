import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type CommentStatus, STATUS_AFTER, updateRows } from '#app/database';
import type { Reason } from '#app/moderation-engine';
import { Metrics } from '#app/observability';
import { announceDecision } from '#app/publishing';
import { learningLabels } from '#app/site-policy';
import { AuditService } from '../audit/audit.service.js';
import { ApiError } from '../common/api-error.js';
import { canReview, type Reviewer } from '../moderators/reviewer.guard.js';
import { type DecisionDto, REASON_CODES, type ReviewAction } from './moderation.dto.js';
import { type ReviewItem, ReviewItemsService } from './review-items.service.js';

/** How long opening a comment keeps it for one reviewer. */
export const CLAIM_MS = 5 * 60_000;

interface LockedComment {
  id: string;
  site_id: string;
  status: CommentStatus;
  revision: number;
  claim_actor: string | null;
  claim_name: string | null;
  claim_expires: Date | null;
}

/**
 * The write side of review: claims and decisions. A decision locks the comment row, checks that
 * no one else holds the claim, appends the decision, changes the status and writes the audit entry
 * in one transaction.
 */
@Injectable()
export class ReviewService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly items: ReviewItemsService,
    private readonly audit: AuditService,
    private readonly metrics: Metrics,
  ) {}

  /** Claims the comment for the reviewer (renewing their own claim); 409 when someone else holds it. */
  async claim(reviewer: Reviewer, id: string): Promise<ReviewItem['claim']> {
    await this.items.item(reviewer, id);
    const [claimed] = await this.dataSource.query(
      `INSERT INTO comment_claims (comment_id, actor, actor_name, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))
       ON CONFLICT (comment_id) DO UPDATE
         SET actor = EXCLUDED.actor, actor_name = EXCLUDED.actor_name, expires_at = EXCLUDED.expires_at
       WHERE comment_claims.actor = EXCLUDED.actor OR comment_claims.expires_at <= now()
       RETURNING actor, actor_name, expires_at`,
      [id, reviewer.actor, reviewer.name, CLAIM_MS / 1000],
    );
    if (!claimed) {
      const [holder] = await this.dataSource.query(`SELECT actor_name, expires_at FROM comment_claims WHERE comment_id = $1`, [id]);
      throw claimedBy(holder.actor_name, holder.expires_at);
    }
    return { by: claimed.actor, name: claimed.actor_name, expiresAt: claimed.expires_at, mine: true };
  }

  /** Opening an item claims it when it is free; someone else's claim is shown, not taken. */
  async open(reviewer: Reviewer, id: string): Promise<ReviewItem> {
    await this.claim(reviewer, id).catch((error: unknown) => {
      if (!(error instanceof ApiError) || error.getStatus() !== 409) throw error;
    });
    return this.items.item(reviewer, id);
  }

  async release(reviewer: Reviewer, id: string): Promise<void> {
    await this.items.item(reviewer, id);
    await this.dataSource.query(`DELETE FROM comment_claims WHERE comment_id = $1 AND actor = $2`, [id, reviewer.actor]);
  }

  async decide(reviewer: Reviewer, id: string, dto: DecisionDto): Promise<ReviewItem> {
    const reasonCode = checkReasonCode(dto.action, dto.reasonCode);
    return this.dataSource.transaction(async (tx) => {
      const comment = await this.lock(tx, reviewer, id);
      await this.apply(tx, reviewer, comment, dto.action, reasonCode, dto.note ?? null);
      return this.items.item(reviewer, id, tx);
    });
  }

  /** Each id on its own: one that is claimed by someone else or gone does not stop the others. */
  async decideMany(reviewer: Reviewer, ids: string[], dto: DecisionDto) {
    const reasonCode = checkReasonCode(dto.action, dto.reasonCode);
    const results: { id: string; ok: boolean; status?: CommentStatus; error?: { error: string; message: string } }[] = [];
    for (const id of ids) {
      try {
        const status = await this.dataSource.transaction(async (tx) => {
          const comment = await this.lock(tx, reviewer, id);
          return this.apply(tx, reviewer, comment, dto.action, reasonCode, dto.note ?? null);
        });
        results.push({ id, ok: true, status });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const body = error.getResponse() as { error: string; message: string };
        results.push({ id, ok: false, error: { error: body.error, message: body.message } });
      }
    }
    return { results };
  }

  /**
   * Appends a moderator's decision (for the comment's current revision), sets the status and what
   * readers see, releases the claim and records the audit entry. Runs inside the caller's transaction.
   */
  async apply(
    tx: EntityManager,
    reviewer: Reviewer,
    comment: LockedComment,
    action: ReviewAction,
    reasonCode: string,
    note: string | null,
    options: { overrideClaim?: boolean } = {},
  ): Promise<CommentStatus> {
    if (comment.status === 'deleted') throw new ApiError('conflict', 'The author withdrew this comment; there is nothing to decide');
    const claimedByOther = comment.claim_actor && comment.claim_actor !== reviewer.actor && comment.claim_expires! > new Date();
    if (claimedByOther && !options.overrideClaim) {
      throw claimedBy(comment.claim_name!, comment.claim_expires!);
    }
    const label = REASON_CODES.find((r) => r.code === reasonCode)?.label ?? reasonCode;
    const reason: Reason = {
      code: `moderator.${reasonCode}`,
      category: 'policy',
      phase: 'review',
      message: note ? `${label}: ${note}` : label,
      spans: [],
    };
    await tx.query(
      `INSERT INTO decisions (comment_id, comment_revision, action, decided_by, kind, actor, reasons, scores)
       VALUES ($1, $2, $3, 'moderator', 'review', $4, $5, '{}')`,
      [comment.id, comment.revision, action, reviewer.actor, JSON.stringify([reason])],
    );
    const status = STATUS_AFTER[action];
    const [changed] = await updateRows<{ was_published: boolean }>(
      tx,
      `UPDATE comments c SET status = $2, updated_at = now(), reports_reviewed = c.report_count,
              published_revision = CASE WHEN $2 = 'approved' THEN c.revision ELSE NULL END
         FROM (SELECT published_revision IS NOT NULL AS was_published FROM comments WHERE id = $1) before
        WHERE c.id = $1
       RETURNING before.was_published`,
      [comment.id, status],
    );
    await announceDecision(tx, comment.id, action, changed.was_published);
    this.metrics.decisions.inc({ action, category: 'policy', decided_by: 'moderator' });
    await tx.query(`DELETE FROM comment_claims WHERE comment_id = $1`, [comment.id]);
    await this.teach(tx, comment, action, reasonCode);
    await this.audit.record(tx, {
      siteId: comment.site_id,
      actor: reviewer.actor,
      actorName: reviewer.name,
      action: `comment.${action}`,
      subjectType: 'comment',
      subjectId: comment.id,
      before: { status: comment.status },
      after: { status, reasonCode },
      reason: note,
    });
    return status;
  }

  /** Queues the decision as an example for the site's model adaptation, when the site learns. */
  private async teach(tx: EntityManager, comment: LockedComment, action: ReviewAction, reasonCode: string): Promise<void> {
    const labels = learningLabels(action, reasonCode);
    if (!labels) return;
    await tx.query(
      `INSERT INTO learning_examples (site_id, comment_id, comment_revision, labels)
       SELECT id, $2, $3, $4 FROM sites WHERE id = $1 AND learn_from_moderators`,
      [comment.site_id, comment.id, comment.revision, JSON.stringify(labels)],
    );
  }

  /** The comment row locked for this transaction, with its claim; 404 outside the reviewer's sites. */
  async lock(tx: EntityManager, reviewer: Reviewer, id: string): Promise<LockedComment> {
    const [row]: LockedComment[] = await tx.query(
      `SELECT c.id, c.site_id, c.status, c.revision,
              cl.actor AS claim_actor, cl.actor_name AS claim_name, cl.expires_at AS claim_expires
         FROM comments c LEFT JOIN comment_claims cl ON cl.comment_id = c.id
        WHERE c.id = $1 FOR UPDATE OF c`,
      [id],
    );
    if (!row || !canReview(reviewer, row.site_id)) throw ApiError.notFound('Comment');
    return row;
  }
}

function claimedBy(name: string, until: Date): ApiError {
  const time = until.toISOString().slice(11, 16);
  return new ApiError('conflict', `${name} is reviewing this comment (claimed until ${time} UTC)`, [
    { field: 'claim', problem: `held by ${name} until ${until.toISOString()}` },
  ]);
}

/** The reason code given, or the action's default; 400 for a code of the other action or unknown. */
function checkReasonCode(action: ReviewAction, code: string | undefined): string {
  if (code === undefined) return action === 'approve' ? 'acceptable' : 'other';
  const known = REASON_CODES.find((r) => r.code === code);
  if (!known || known.action !== action) {
    const allowed = REASON_CODES.filter((r) => r.action === action).map((r) => r.code);
    throw ApiError.invalid('reasonCode', `must be one of ${allowed.join(', ')} for ${action}`);
  }
  return code;
}
