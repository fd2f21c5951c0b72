import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { STATUS_AFTER, updateRows } from '#app/database';
import type { AuthorTrust, CommentInput, Verdict } from '#app/moderation-engine';
import { announceDecision, postSigned } from '#app/publishing';
import type { ModerationCheck } from '#app/queue';
import { Metrics } from '#app/observability';
import { applyExternalAnswer, type ExternalAnswer, type ExternallyScoredInput, parseExternalAnswer, SitePolicyService } from '#app/site-policy';
import { Environment } from '#app/config';
import { SpamCountersService } from './spam-counters.service.js';

/** An author's history is read from their most recent comments, this many. */
const AUTHOR_HISTORY_DEPTH = 50;
const DAY_MS = 86_400_000;

interface CommentToCheck {
  id: string;
  site_id: string;
  body: string;
  status: string;
  revision: number;
  author_ip_hash: string | null;
  report_count: number;
  created_at: Date;
  author_id: string;
  author_name: string;
  trust: AuthorTrust | null;
  account_created_at: Date | null;
  site_approved_count: number | null;
  recent_approved: number;
  recent_rejected: number;
  article_id: string;
  article_title: string | null;
  article_url: string | null;
  is_reply: boolean;
  policy_version: number;
  adaptation_revision: number;
  scorer_url: string | null;
  scorer_secret: string | null;
  scorer_timeout_ms: number | null;
  scorer_failure_mode: 'open' | 'closed' | null;
}

// Everything the engine needs in one query, including the policy version in force, so a policy
// change is used from the next comment on.
const LOAD_SQL = `
  SELECT c.id, c.site_id, c.body, c.status, c.revision, c.author_ip_hash, c.report_count, c.created_at,
         au.external_id AS author_id, au.display_name AS author_name, au.trust, au.account_created_at,
         au.site_approved_count, h.recent_approved, h.recent_rejected,
         a.external_id AS article_id, a.title AS article_title, a.url AS article_url,
         c.parent_external_id IS NOT NULL AS is_reply,
         COALESCE((SELECT max(p.version) FROM site_policies p WHERE p.site_id = c.site_id), 0) AS policy_version,
         (SELECT s.adaptation_revision FROM sites s WHERE s.id = c.site_id) AS adaptation_revision,
         x.url AS scorer_url, x.secret AS scorer_secret, x.timeout_ms AS scorer_timeout_ms, x.failure_mode AS scorer_failure_mode
    FROM comments c
    LEFT JOIN site_external_scorers x ON x.site_id = c.site_id
    JOIN authors au ON au.id = c.author_id
    JOIN articles a ON a.id = c.article_id
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE status = 'approved')::int AS recent_approved,
             count(*) FILTER (WHERE status = 'rejected')::int AS recent_rejected
        FROM (SELECT o.status FROM comments o
               WHERE o.author_id = c.author_id AND o.id <> c.id
               ORDER BY o.created_at DESC LIMIT ${AUTHOR_HISTORY_DEPTH}) recent) h
   WHERE c.id = $1`;

export type ModerationOutcome = 'decided' | 'already-decided' | 'gone';

@Injectable()
export class ModerationService {
  private readonly logger = new Logger(ModerationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly policies: SitePolicyService,
    private readonly counters: SpamCountersService,
    private readonly metrics: Metrics,
    private readonly env: Environment,
  ) {
    // Phase timings feed the per-phase histogram; they cost two clock reads per phase.
    policies.recordEngineTimings();
  }

  /**
   * Checks one revision of a comment and records the verdict. Safe to run again for the same job:
   * the unique index on (comment, revision) for engine decisions keeps it to one decision.
   */
  async moderate(job: ModerationCheck): Promise<ModerationOutcome> {
    const [comment]: CommentToCheck[] = await this.dataSource.query(LOAD_SQL, [job.commentId]);
    if (!comment) return 'gone';
    if (comment.revision !== job.revision || comment.status !== 'pending') return 'already-decided';

    const [engine, signals, external] = await Promise.all([
      this.policies.engineFor(comment.site_id, comment.policy_version, comment.adaptation_revision),
      this.counters.count({
        commentId: comment.id,
        siteId: comment.site_id,
        authorId: comment.author_id,
        ipHash: comment.author_ip_hash,
        body: comment.body,
        postedAt: comment.created_at.getTime(),
      }),
      this.askSiteScorer(comment),
    ]);
    const input: ExternallyScoredInput = {
      ...this.engineInput(comment, { ...signals, reportCount: comment.report_count }),
      externalScores: external?.ok ? external.scores : undefined,
    };
    const judged = engine.evaluate(input);
    const verdict = external ? applyExternalAnswer(judged, external, comment.scorer_failure_mode!) : judged;
    const written = await this.record(comment, verdict, job.correlationId ?? null);
    if (written) {
      this.logger.debug({ msg: `comment ${comment.id} r${comment.revision}: ${verdict.action}`, correlationId: job.correlationId });
      this.observe(comment, verdict);
    }
    return written ? 'decided' : 'already-decided';
  }

  /**
   * The site's own model server, when it has one: a signed POST with the comment, its author and
   * article, answered with scores and optionally an action, within the site's timeout.
   */
  private async askSiteScorer(comment: CommentToCheck): Promise<ExternalAnswer | null> {
    if (!comment.scorer_url) return null;
    const request = {
      site: { id: comment.site_id },
      comment: { id: comment.id, body: comment.body, revision: comment.revision, isReply: comment.is_reply, createdAt: comment.created_at },
      author: { id: comment.author_id, name: comment.author_name, trust: comment.trust },
      article: { id: comment.article_id, title: comment.article_title, url: comment.article_url },
    };
    const result = await postSigned({
      url: comment.scorer_url,
      secrets: [comment.scorer_secret!],
      messageId: `score_${comment.id}_${comment.revision}`,
      correlationId: null,
      body: JSON.stringify(request),
      timeoutMs: comment.scorer_timeout_ms!,
      allowPrivate: this.env.WEBHOOK_ALLOW_PRIVATE,
      maxResponseBytes: 64 * 1024,
    });
    if (!result.ok) return { ok: false, problem: result.error ?? 'no answer', latencyMs: result.latencyMs };
    return parseExternalAnswer(result.body, result.latencyMs);
  }

  private observe(comment: CommentToCheck, verdict: Verdict): void {
    this.metrics.decisions.inc({ action: verdict.action, category: verdict.reasons[0]?.category ?? 'none', decided_by: 'system' });
    // From storage to decision, for first checks; an edit's latency starts at the edit, not the post.
    if (comment.revision === 1) this.metrics.ingestToDecision.observe((Date.now() - comment.created_at.getTime()) / 1000);
    for (const phase of verdict.phases) {
      if (phase.durationMs !== undefined) this.metrics.enginePhase.observe({ phase: phase.phase }, phase.durationMs / 1000);
    }
  }

  private engineInput(comment: CommentToCheck, signals: CommentInput['signals']): CommentInput {
    return {
      body: comment.body,
      author: {
        id: comment.author_id,
        name: comment.author_name,
        accountAgeDays: comment.account_created_at
          ? Math.max(0, Math.floor((comment.created_at.getTime() - comment.account_created_at.getTime()) / DAY_MS))
          : undefined,
        // The site's own count of earlier approvals, plus what was approved here.
        approvedCount: (comment.site_approved_count ?? 0) + comment.recent_approved,
        rejectedCount: comment.recent_rejected,
        trust: comment.trust ?? undefined,
      },
      article: { id: comment.article_id, title: comment.article_title ?? undefined, url: comment.article_url ?? undefined },
      isReply: comment.is_reply,
      signals,
    };
  }

  /** The decision and the new status in one transaction; nothing when this check was recorded before. */
  private record(comment: CommentToCheck, verdict: Verdict, correlationId: string | null): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO decisions (comment_id, comment_revision, action, decided_by, kind, reasons, scores, phases, engine_version)
         VALUES ($1, $2, $3, 'system', 'check', $4, $5, $6, $7)
         ON CONFLICT (comment_id, comment_revision) WHERE kind = 'check' DO NOTHING
         RETURNING id`,
        [
          comment.id,
          comment.revision,
          verdict.action,
          JSON.stringify(verdict.reasons),
          JSON.stringify(verdict.scores),
          JSON.stringify(verdict.phases),
          verdict.engineVersion,
        ],
      );
      if (inserted.length === 0) return false;
      // An approved revision becomes the published one; a held or rejected edit takes the comment
      // down until a moderator approves it (the published version is never one nobody checked).
      const [changed] = await updateRows<{ was_published: boolean }>(
        tx,
        `UPDATE comments c
            SET status = $1, updated_at = now(),
                published_revision = CASE WHEN $1 = 'approved' THEN c.revision ELSE NULL END
           FROM (SELECT published_revision IS NOT NULL AS was_published FROM comments WHERE id = $2) before
          WHERE c.id = $2 AND c.revision = $3 AND c.status = 'pending'
         RETURNING before.was_published`,
        [STATUS_AFTER[verdict.action], comment.id, comment.revision],
      );
      if (changed) await announceDecision(tx, comment.id, verdict.action, changed.was_published, correlationId);
      return true;
    });
  }
}
