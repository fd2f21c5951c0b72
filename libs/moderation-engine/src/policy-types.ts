import type { MatchMode } from './term-matcher.js';
import type { ReasonCategory } from './types.js';

/** The categories a word-list entry can have. */
export type ListCategory = Exclude<ReasonCategory, 'length' | 'policy'>;

/** `score` adds `weight` to the category's score; the thresholds decide. */
export type ListAction = 'reject' | 'hold' | 'score';

export interface ListEntry {
  term: string;
  category: ListCategory;
  action: ListAction;
  /** Default `word`. */
  match?: MatchMode;
  /** For `score` entries: added to the category score per occurrence. Default 0.25. */
  weight?: number;
}

/** Passes when every bound given holds. */
export interface NumericTest {
  lt?: number;
  lte?: number;
  gt?: number;
  gte?: number;
}

/** Matches the body (or its normalised text) with an RE2 regular expression: linear time. */
export interface RegexCondition {
  regex: string;
  /** Default false. */
  caseSensitive?: boolean;
  /** Default `body`, the text as typed; `normalised` is the folded text the word lists see. */
  on?: 'body' | 'normalised';
}

/**
 * Passes when some link points into a listed domain (`in`), or outside all of them (`notIn`).
 * A domain covers its subdomains.
 */
export interface LinkDomainCondition {
  linkDomain: { in?: string[]; notIn?: string[] };
}

export interface AuthorCondition {
  author: { accountAgeDays?: NumericTest; approvedCount?: NumericTest; rejectedCount?: NumericTest };
}

/** Reader reports against the comment (`signals.reportCount`, 0 when absent). */
export interface ReportCountCondition {
  reportCount: NumericTest;
}

export type RuleCondition = RegexCondition | LinkDomainCondition | AuthorCondition | ReportCountCondition;

/** An AutoModerator-style rule: `all` must all pass and, when given, at least one of `any`. */
export interface Rule {
  id: string;
  when: { any?: RuleCondition[]; all?: RuleCondition[] };
  action: ListAction;
  category: ReasonCategory;
  message: string;
  /** For `score` rules: added to the category score. Default 0.25. */
  weight?: number;
}

export interface SpamPolicy {
  /** More links than this hold the comment. */
  maxLinks: number;
  /** Links into these domains (and their subdomains) reject the comment. */
  blockedDomains: string[];
  /** Links into these domains are ignored by the other link checks. */
  allowedDomains: string[];
  /** Links through these hold the comment. */
  shortenerDomains: string[];
  /** The share of upper-case letters is only judged in bodies with at least this many letters. */
  capsMinLetters: number;
  capsMaxRatio: number;
  /** The longest run of one repeated character that is not suspicious. */
  maxCharRun: number;
  /** What each content signal adds to the spam score. */
  weights: {
    /** Once, when the body has links outside `allowedDomains`. */
    link: number;
    caps: number;
    repetition: number;
    phone: number;
    email: number;
    cryptoAddress: number;
    moneyPromise: number;
  };
  /** Counter signals (`CommentInput.signals`) at or above these hold the comment; 0 disables. */
  holdAt: {
    authorRepeatCount: number;
    distinctAuthorsSameText: number;
    authorPostsLastMinute: number;
    ipPostsLastMinute: number;
    reportCount: number;
  };
}

export interface Threshold {
  hold?: number;
  reject?: number;
}

export interface SitePolicy {
  /** `pre`: everything not rejected waits for a moderator. */
  mode: 'post' | 'pre';
  /** Characters (code points) that are not whitespace or invisible. */
  minLength: number;
  /** Characters (code points) of the body as sent. */
  maxLength: number;
  lengthAction: 'reject' | 'hold';
  /** The site's entries, added to the built-in list (or replacing it). */
  wordList: ListEntry[];
  /** Drop the built-in word and allow lists, keeping only the site's. */
  replaceDefaultList: boolean;
  /** Words and phrases never to flag, added to the built-in allow list. */
  allowList: string[];
  /** What an insult aimed at the reader or at a group of people asks for. */
  directedInsultAction: 'hold' | 'reject';
  rules: Rule[];
  /** Total time the rules may take per comment; the rest are skipped and the comment held. */
  ruleTimeBudgetMs: number;
  spam: SpamPolicy;
  /** Hold the comments of authors with fewer than `minApproved` approved comments. */
  holdNewAuthors: { enabled: boolean; minApproved: number };
  /** Hold the comments of authors whose share of rejected comments is above `max`. */
  rejectionRate: { enabled: boolean; max: number; minSamples: number };
  /** Per score name (a category, or a scorer's score): thresholds, compared with `>=`. */
  thresholds: Record<string, Threshold>;
}

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** A policy as a site sends it: objects are merged over the defaults, arrays replace them. */
export type SitePolicyInput = DeepPartial<SitePolicy>;
