export * from './types.js';
export type {
  AuthorCondition,
  LinkDomainCondition,
  ListAction,
  ListCategory,
  ListEntry,
  NumericTest,
  RegexCondition,
  ReportCountCondition,
  Rule,
  RuleCondition,
  SitePolicy,
  SitePolicyInput,
  SpamPolicy,
  Threshold,
} from './policy-types.js';
export { ENGINE_VERSION, ModerationEngine, type EngineOptions } from './engine.js';
export { DEFAULT_POLICY, PolicyError, validatePolicy, type PolicyProblem } from './policy.js';
export { normalise, spanOf, textFingerprint, type NormalisedText, type TextStats } from './normalise.js';
export type { MatchMode } from './term-matcher.js';
export type { Scorer, ScorerResult } from './phases/scores.js';
export { DEFAULT_ALLOW_LIST, DEFAULT_WORD_LIST } from './data/default-word-list.js';
export { DEFAULT_SHORTENER_DOMAINS } from './data/shortener-domains.js';
export { phaseTrace, type PhaseTrace } from './phase-trace.js';
