/** What the engine is asked to judge. Everything it needs arrives here: the engine does no I/O. */
export interface CommentInput {
  body: string;
  author: {
    id: string;
    name: string;
    /** Days since the author's account was created on the site, when the site sends it. */
    accountAgeDays?: number;
    approvedCount?: number;
    rejectedCount?: number;
    /** A moderator's standing decision about this author (absent: judged like anyone else). */
    trust?: AuthorTrust;
  };
  article?: { id: string; title?: string; url?: string };
  /** Replying to another comment. */
  isReply?: boolean;
  /**
   * Counters the worker keeps outside the engine (in Redis) and passes in; the spam phase applies
   * the policy's thresholds to them. Absent counters are not checked.
   */
  signals?: CommentSignals;
}

/**
 * `trusted` authors skip holds (never rejections), `banned` authors are rejected, `always_hold`
 * authors are always held for a moderator.
 */
export type AuthorTrust = 'trusted' | 'banned' | 'always_hold';

export interface CommentSignals {
  /** Times this author posted the same text (see `textFingerprint`) within the worker's window. */
  authorRepeatCount?: number;
  /** Distinct authors who posted the same text within the worker's window. */
  distinctAuthorsSameText?: number;
  authorPostsLastMinute?: number;
  ipPostsLastMinute?: number;
  /** Reader reports against this comment. */
  reportCount?: number;
}

export type VerdictAction = 'approve' | 'hold' | 'reject';

export type ReasonCategory =
  | 'profanity'
  | 'insult'
  | 'identity_attack'
  | 'threat'
  | 'sexual'
  | 'self_harm'
  | 'spam'
  | 'length'
  | 'policy';

/** A half-open range [start, end) of UTF-16 offsets in the text the author typed. */
export interface Span {
  start: number;
  end: number;
  text: string;
}

/**
 * What a reason asked for: `score` reasons only explain a score (they may appear on approved
 * comments); the action comes from the thresholds.
 */
export type ReasonEffect = 'reject' | 'hold' | 'score';

export interface Reason {
  code: string;
  category: ReasonCategory;
  phase: string;
  message: string;
  spans: Span[];
  effect?: ReasonEffect;
  /** What produced the reason: the list term, rule id, domain, score name or scorer. */
  ref?: string;
}

export interface PhaseResult {
  phase: string;
  /** The action this phase asked for, if it asked for one. */
  action?: VerdictAction;
  /** True when this phase ended the run. */
  decisive: boolean;
  reasons: Reason[];
  scores: Record<string, number>;
  /** Wall time of the phase, only when the engine was built with `recordTimings`. */
  durationMs?: number;
}

export interface Verdict {
  action: VerdictAction;
  reasons: Reason[];
  scores: Record<string, number>;
  engineVersion: string;
  /** Every phase that ran, in order, for the audit. */
  phases: PhaseResult[];
}
