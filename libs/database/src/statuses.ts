/** The one list of comment statuses; the database CHECK constraint and the API enums use it. */
export const COMMENT_STATUSES = ['pending', 'approved', 'held', 'rejected', 'deleted'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

export const DECISION_ACTIONS = ['approve', 'hold', 'reject'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** The status a comment takes when a decision with this action is written. */
export const STATUS_AFTER: Record<DecisionAction, CommentStatus> = {
  approve: 'approved',
  hold: 'held',
  reject: 'rejected',
};

export const DECIDED_BY = ['system', 'moderator'] as const;
export type DecidedBy = (typeof DECIDED_BY)[number];

/** What made a decision: an engine check of a revision, readers' reports, or a moderator's review. */
export const DECISION_KINDS = ['check', 'reports', 'review'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export const REPORT_REASONS = ['offensive', 'abusive', 'spam', 'off_topic', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const API_KEY_SCOPES = ['comments:write', 'comments:read', 'moderation', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const MODERATOR_ROLES = ['moderator', 'admin'] as const;
export type ModeratorRole = (typeof MODERATOR_ROLES)[number];

export const AUTHOR_STANDINGS = ['trusted', 'banned', 'always_hold'] as const;
