import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GroupCommit } from '#app/batching';
import { PreparedStatement, STATUS_AFTER } from '#app/database';
import { type AuthorTrust, type CommentInput, phaseTrace, type Verdict } from '#app/moderation-engine';
import { announcements, COMMENT_EVENTS, postSigned } from '#app/publishing';
import { MODERATION_GROUP_MAX, type ModerationCheck } from '#app/queue';
import { Metrics } from '#app/observability';
import { applyExternalAnswer, type ExternalAnswer, type ExternallyScoredInput, parseExternalAnswer, SitePolicyService } from '#app/site-policy';
import { Environment } from '#app/config';
import { SpamCountersService } from './spam-counters.service.js';

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
  approved_comments: number;
  rejected_comments: number;
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

// Everything the engine needs for a group of comments in one query, including the policy version
// in force, so a policy change is used from the next group on.
const LOAD = new PreparedStatement<CommentToCheck>('moderation-load', `
  SELECT c.id, c.site_id, c.body, c.status, c.revision, c.author_ip_hash, c.report_count, c.created_at,
         au.external_id AS author_id, au.display_name AS author_name, au.trust, au.account_created_at,
         au.site_approved_count, au.approved_comments, au.rejected_comments,
         a.external_id AS article_id, a.title AS article_title, a.url AS article_url,
         c.parent_external_id IS NOT NULL AS is_reply,
         COALESCE((SELECT max(p.version) FROM site_policies p WHERE p.site_id = c.site_id), 0) AS policy_version,
         (SELECT s.adaptation_revision FROM sites s WHERE s.id = c.site_id) AS adaptation_revision,
         x.url AS scorer_url, x.secret AS scorer_secret, x.timeout_ms AS scorer_timeout_ms, x.failure_mode AS scorer_failure_mode
    FROM comments c
    LEFT JOIN site_external_scorers x ON x.site_id = c.site_id
    JOIN authors au ON au.id = c.author_id
    JOIN articles a ON a.id = c.article_id
   WHERE c.id = ANY($1::uuid[])`);

/**
 * All verdicts of a group in one statement: the statuses of the comments still pending at the
 * revision checked, their decisions and their announcements. `before` is the comment as the
 * statement found it (RETURNING gives the new row).
 */
const RECORD = new PreparedStatement<{ comment_id: string }>('moderation-record', `
  WITH verdict AS MATERIALIZED (
    -- checked_status is the status a verdict is for. A column, not the constant 'pending' in the
    -- update below: with the constant, PostgreSQL could serve it from the partial index of pending
    -- comments, whose size it takes from statistics gathered when the queue was short, and read
    -- the whole backlog for every group (40 ms a group at 18,000 pending); by id it reads a page
    -- per comment.
    SELECT *, 'pending' AS checked_status FROM jsonb_to_recordset($1::jsonb)
      AS v(comment_id uuid, revision int, action text, status text, reasons jsonb, scores jsonb, phases jsonb, engine_version text,
           event_type text, correlation_id text)),
  -- The status first, decisions after: the update re-reads a comment changed meanwhile, so one
  -- a moderator decided (or banned, or edited) since the load is left out, and the engine never
  -- decides after a person. An approved revision becomes the published one; a held or rejected
  -- edit takes the comment down until a moderator approves it (the published version is never
  -- one nobody checked). A separate locking step did the same with a longer tail of latency.
  changed AS (
    UPDATE comments c
       SET status = v.status, updated_at = now(),
           published_revision = CASE WHEN v.action = 'approve' THEN c.revision ELSE NULL END
      FROM verdict v JOIN comments before ON before.id = v.comment_id
     WHERE c.id = v.comment_id AND c.revision = v.revision AND c.status = v.checked_status
    RETURNING c.id, c.site_id, c.article_id, c.author_id, c.external_id, c.parent_external_id, c.status, c.revision,
              v.event_type, v.reasons, v.action = 'approve' OR before.published_revision IS NOT NULL AS thread_changed,
              v.correlation_id),
  decided AS (
    INSERT INTO decisions (comment_id, comment_revision, action, decided_by, kind, reasons, scores, phases, engine_version)
    SELECT v.comment_id, v.revision, v.action, 'system', 'check', v.reasons, v.scores, v.phases, v.engine_version
      FROM verdict v JOIN changed ON changed.id = v.comment_id
    ON CONFLICT (comment_id, comment_revision) WHERE kind = 'check' DO NOTHING
    RETURNING comment_id),
  ${announcements('changed')}
  SELECT comment_id FROM decided`);

/** What a group's checks came to. */
export interface ModerationSummary {
  /** Checks whose verdict this run recorded. */
  decided: number;
  /** Checks of a revision decided before (a retry, a duplicate job, a moderator) or no longer the current one. */
  alreadyDecided: number;
  /** Checks of comments that no longer exist. */
  gone: number;
}

/** What became of one check: counted in the summary, or the reason it could not be made. */
type CheckOutcome = keyof ModerationSummary | Error;

/**
 * Jobs running at the same time are checked together, up to this many checks: one load and one
 * record statement for all of them, where single comments arrive in groups of a few each.
 */
const COALESCED_CHECKS_MAX = 4 * MODERATION_GROUP_MAX;
/** Groups checked at once per process, so the engine of one overlaps the statements of the other. */
const LANES = 2;

interface Due {
  comment: CommentToCheck;
  check: ModerationCheck;
  /** Where the check is in the coalesced group. */
  index: number;
}

interface Judged extends Due {
  verdict: Verdict;
}

@Injectable()
export class ModerationService {
  private readonly logger = new Logger(ModerationService.name);

  private readonly groups = new GroupCommit<ModerationCheck, CheckOutcome>({
    maxItems: COALESCED_CHECKS_MAX,
    flush: (_lane, checks) => this.checkGroup(checks),
  });

  private nextLane = 0;

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
   * Checks a job's revisions and records their verdicts, with those of the jobs running at the
   * same time, in one statement. Safe to run again for the same job: a verdict is recorded only
   * for a comment still pending at its revision, so each gets one decision. A comment that cannot
   * be checked (its site's stored policy is broken, say) does not hold up the others: they are
   * recorded, then this job fails saying how many of its own could not be, so it is retried, and
   * the retry skips the ones decided.
   */
  async moderate(checks: readonly ModerationCheck[]): Promise<ModerationSummary> {
    const lane = String(this.nextLane++ % LANES);
    const outcomes = await this.groups.submitMany(lane, checks);
    const summary: ModerationSummary = { decided: 0, alreadyDecided: 0, gone: 0 };
    const failures: { check: ModerationCheck; error: Error }[] = [];
    outcomes.forEach((outcome, i) => (outcome instanceof Error ? failures.push({ check: checks[i], error: outcome }) : (summary[outcome] += 1)));
    if (failures.length > 0) {
      const [{ check, error }] = failures;
      throw new Error(`${failures.length} of ${checks.length} comment(s) could not be checked; the first, ${check.commentId} r${check.revision}: ${error.message}`);
    }
    return summary;
  }

  /** Checks a coalesced group: one outcome per check, in order. */
  private async checkGroup(checks: ModerationCheck[]): Promise<CheckOutcome[]> {
    const rows = await LOAD.run(this.dataSource, [checks.map((check) => check.commentId)]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const due = new Map<string, Due>();
    const outcomes: CheckOutcome[] = checks.map((check, index) => {
      const comment = byId.get(check.commentId);
      if (!comment) return 'gone';
      if (comment.revision !== check.revision || comment.status !== 'pending' || due.has(comment.id)) return 'alreadyDecided';
      due.set(comment.id, { comment, check, index });
      return 'decided';
    });
    if (due.size === 0) return outcomes;

    const { judged, failures } = await this.judge([...due.values()]);
    const recorded = await this.record(judged);
    for (const { comment, check, verdict, index } of judged) {
      if (!recorded.has(comment.id)) {
        outcomes[index] = 'alreadyDecided';
        continue;
      }
      this.logger.debug({ msg: `comment ${comment.id} r${comment.revision}: ${verdict.action}`, correlationId: check.correlationId });
      this.observe(comment, verdict);
    }
    for (const { due: failed, error } of failures) outcomes[failed.index] = error;
    return outcomes;
  }

  /** The verdicts of the comments due, each on its own: one that cannot be checked does not stop the others. */
  private async judge(due: Due[]): Promise<{ judged: Judged[]; failures: { due: Due; error: Error }[] }> {
    const comments = due.map(({ comment }) => comment);
    // One engine per site; its policy version and adaptation came with each of its comments.
    const sites = new Map(comments.map((comment) => [comment.site_id, comment]));
    const [engines, signals, answers] = await Promise.all([
      Promise.allSettled([...sites.values()].map((c) => this.policies.engineFor(c.site_id, c.policy_version, c.adaptation_revision))),
      this.counters.countMany(
        comments.map((comment) => ({
          commentId: comment.id,
          siteId: comment.site_id,
          authorId: comment.author_id,
          ipHash: comment.author_ip_hash,
          body: comment.body,
          postedAt: comment.created_at.getTime(),
        })),
      ),
      Promise.allSettled(comments.map((comment) => this.askSiteScorer(comment))),
    ]);
    const engineOf = new Map([...sites.keys()].map((siteId, i) => [siteId, engines[i]]));
    const judged: Judged[] = [];
    const failures: { due: Due; error: Error }[] = [];
    for (const [i, item] of due.entries()) {
      const { comment } = item;
      try {
        const engine = engineOf.get(comment.site_id)!;
        if (engine.status === 'rejected') throw engine.reason;
        const answer = answers[i];
        if (answer.status === 'rejected') throw answer.reason;
        const external = answer.value;
        const input: ExternallyScoredInput = {
          ...this.engineInput(comment, { ...signals[i], reportCount: comment.report_count }),
          externalScores: external?.ok ? external.scores : undefined,
        };
        const verdict = engine.value.evaluate(input);
        judged.push({ ...item, verdict: external ? applyExternalAnswer(verdict, external, comment.scorer_failure_mode!) : verdict });
      } catch (error) {
        failures.push({ due: item, error: error as Error });
      }
    }
    return { judged, failures };
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
        approvedCount: (comment.site_approved_count ?? 0) + comment.approved_comments,
        rejectedCount: comment.rejected_comments,
        trust: comment.trust ?? undefined,
      },
      article: { id: comment.article_id, title: comment.article_title ?? undefined, url: comment.article_url ?? undefined },
      isReply: comment.is_reply,
      signals,
    };
  }

  /** The verdicts, their statuses and announcements in one statement; answers the comments whose verdict it wrote. */
  private async record(unordered: Judged[]): Promise<Set<string>> {
    if (unordered.length === 0) return new Set();
    // In comment order, so two runs over the same comments (a duplicate job) take their row locks
    // in the same order and one waits for the other instead of deadlocking.
    const judged = unordered.toSorted((a, b) => (a.comment.id < b.comment.id ? -1 : 1));
    // One JSON document rather than ten arrays: the driver escaped every element of the three
    // arrays of JSON texts for the array syntax, a twentieth of the worker's CPU.
    const verdicts = judged.map(({ comment, check, verdict }) => ({
      comment_id: comment.id,
      revision: comment.revision,
      action: verdict.action,
      status: STATUS_AFTER[verdict.action],
      reasons: verdict.reasons,
      scores: verdict.scores,
      phases: phaseTrace(verdict.phases),
      engine_version: verdict.engineVersion,
      event_type: COMMENT_EVENTS[verdict.action],
      correlation_id: check.correlationId ?? null,
    }));
    const written = await RECORD.run(this.dataSource, [JSON.stringify(verdicts)]);
    return new Set(written.map((row) => row.comment_id));
  }
}
