import { LIST_CATEGORIES, REASON_CATEGORIES } from './categories.js';
import { DEFAULT_SHORTENER_DOMAINS } from './data/shortener-domains.js';
import { domainProblem } from './links.js';
import { compileRuleRegex } from './phases/rules.js';
import type { SitePolicy } from './policy-types.js';
import { termProblem } from './term-matcher.js';

/** A bad field of a policy: its JSON path (`rules[2].when.any[0].regex`) and what is wrong. */
export interface PolicyProblem {
  field: string;
  problem: string;
}

export class PolicyError extends Error {
  readonly errors: readonly PolicyProblem[];

  constructor(errors: readonly PolicyProblem[]) {
    super(`Invalid site policy: ${errors.map(({ field, problem }) => `${field} ${problem}`).join('; ')}`);
    this.name = 'PolicyError';
    this.errors = errors;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** The policy of a site that sends none; a site's policy is merged over it. Frozen. */
export const DEFAULT_POLICY: SitePolicy = deepFreeze({
  mode: 'post',
  minLength: 1,
  maxLength: 10_000,
  lengthAction: 'reject',
  wordList: [],
  replaceDefaultList: false,
  allowList: [],
  directedInsultAction: 'hold',
  rules: [],
  ruleTimeBudgetMs: 5,
  spam: {
    maxLinks: 2,
    blockedDomains: [],
    allowedDomains: [],
    shortenerDomains: [...DEFAULT_SHORTENER_DOMAINS],
    capsMinLetters: 20,
    capsMaxRatio: 0.7,
    maxCharRun: 10,
    weights: { link: 0.2, caps: 0.2, repetition: 0.2, phone: 0.3, email: 0.3, cryptoAddress: 0.5, moneyPromise: 0.3 },
    holdAt: { authorRepeatCount: 3, distinctAuthorsSameText: 5, authorPostsLastMinute: 5, ipPostsLastMinute: 20, reportCount: 3 },
  },
  holdNewAuthors: { enabled: false, minApproved: 1 },
  rejectionRate: { enabled: true, max: 0.5, minSamples: 5 },
  thresholds: {
    profanity: { hold: 0.5 },
    insult: { hold: 0.5 },
    identity_attack: { hold: 0.4 },
    threat: { hold: 0.4 },
    sexual: { hold: 0.5 },
    self_harm: { hold: 0.3 },
    spam: { hold: 0.5 },
    // The built-in toxicity model's overall score: calibrated, so 0.5 means even odds that
    // moderators would call it toxic. Holding (not rejecting) leaves the call to a person.
    toxicity: { hold: 0.5 },
  },
});

/** Bounds that keep a policy's compiled form (automaton, rules) small and fast. */
const LIMITS = {
  listEntries: 5_000,
  termLength: 100,
  /** All terms of wordList and allowList together: the automaton has about one state per character. */
  listCharacters: 100_000,
  rules: 200,
  conditionsPerRule: 20,
  regexLength: 2_000,
  domains: 10_000,
  textLength: 500,
};

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The input merged over the defaults: objects field by field, anything else (arrays included)
 * replaces the default. Under `thresholds` each named threshold replaces the default one, so a
 * site can drop a default bound. Fields the defaults do not have are problems.
 */
function mergeOverDefaults(defaults: JsonObject, input: JsonObject, path: string, problems: PolicyProblem[]): JsonObject {
  const merged: JsonObject = { ...defaults };
  for (const [key, value] of Object.entries(input)) {
    const field = path === '' ? key : `${path}.${key}`;
    if (!(key in defaults)) {
      problems.push({ field, problem: 'is not a policy field' });
    } else if (value !== undefined) {
      const base = defaults[key];
      if (field === 'thresholds' && isObject(base) && isObject(value)) merged[key] = { ...base, ...value };
      else if (isObject(base) && isObject(value)) merged[key] = mergeOverDefaults(base, value, field, problems);
      else merged[key] = value;
    }
  }
  return merged;
}

/** Collects the problems of a merged policy, field by field. */
class PolicyChecker {
  readonly problems: PolicyProblem[] = [];

  report(field: string, problem: string): void {
    this.problems.push({ field, problem });
  }

  oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): value is T {
    if (typeof value === 'string' && (options as readonly string[]).includes(value)) return true;
    this.report(field, value === undefined ? 'is required' : `must be one of ${options.join(', ')}`);
    return false;
  }

  number(value: unknown, field: string, min: number, max: number, integer = false): value is number {
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value))) {
      return true;
    }
    this.report(field, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    return false;
  }

  fraction(value: unknown, field: string): value is number {
    return this.number(value, field, 0, 1);
  }

  boolean(value: unknown, field: string): value is boolean {
    if (typeof value === 'boolean') return true;
    this.report(field, 'must be true or false');
    return false;
  }

  text(value: unknown, field: string, maxLength: number): value is string {
    if (typeof value === 'string' && value.trim().length > 0 && value.length <= maxLength) return true;
    this.report(field, `must be a non-empty string of at most ${maxLength} characters`);
    return false;
  }

  array(value: unknown, field: string, maxItems: number): value is unknown[] {
    if (Array.isArray(value) && value.length <= maxItems) return true;
    this.report(field, `must be an array of at most ${maxItems} items`);
    return false;
  }

  /** An object; with `knownKeys`, other keys are reported too. */
  object(value: unknown, field: string, knownKeys?: readonly string[]): value is JsonObject {
    if (!isObject(value)) {
      this.report(field, value === undefined ? 'is required' : 'must be an object');
      return false;
    }
    for (const key of Object.keys(value)) {
      if (knownKeys !== undefined && !knownKeys.includes(key)) this.report(`${field}.${key}`, 'is not a known field');
    }
    return true;
  }

  optional<T>(value: unknown, check: (value: unknown) => value is T): boolean {
    return value === undefined || check(value);
  }
}

function checkTerm(term: unknown, field: string, c: PolicyChecker): void {
  if (!c.text(term, field, LIMITS.termLength)) return;
  const problem = termProblem(term);
  if (problem !== undefined) c.report(field, problem);
}

function checkDomains(domains: unknown, field: string, c: PolicyChecker): void {
  if (!c.array(domains, field, LIMITS.domains)) return;
  domains.forEach((domain, index) => {
    const at = `${field}[${index}]`;
    if (typeof domain !== 'string') c.report(at, 'must be a domain name');
    else {
      const problem = domainProblem(domain);
      if (problem !== undefined) c.report(at, problem);
    }
  });
}

function checkListEntry(entry: unknown, field: string, c: PolicyChecker): void {
  if (!c.object(entry, field, ['term', 'category', 'action', 'match', 'weight'])) return;
  checkTerm(entry.term, `${field}.term`, c);
  c.oneOf(entry.category, `${field}.category`, LIST_CATEGORIES);
  c.oneOf(entry.action, `${field}.action`, ['reject', 'hold', 'score']);
  c.optional(entry.match, (value) => c.oneOf(value, `${field}.match`, ['word', 'prefix', 'phrase']));
  c.optional(entry.weight, (value) => c.fraction(value, `${field}.weight`));
}

function checkNumericTest(test: unknown, field: string, c: PolicyChecker): void {
  const bounds = ['lt', 'lte', 'gt', 'gte'];
  if (!c.object(test, field, bounds)) return;
  if (!bounds.some((bound) => bound in test)) c.report(field, `needs one of ${bounds.join(', ')}`);
  for (const bound of bounds) c.optional(test[bound], (value) => c.number(value, `${field}.${bound}`, -1e12, 1e12));
}

const CONDITION_KINDS = ['regex', 'linkDomain', 'author', 'reportCount'];

function checkCondition(condition: unknown, field: string, c: PolicyChecker): void {
  if (!c.object(condition, field)) return;
  const kinds = CONDITION_KINDS.filter((kind) => kind in condition);
  if (kinds.length !== 1) {
    c.report(field, `must have exactly one of ${CONDITION_KINDS.join(', ')}`);
    return;
  }
  switch (kinds[0]) {
    case 'regex': {
      c.object(condition, field, ['regex', 'caseSensitive', 'on']);
      c.optional(condition.caseSensitive, (value) => c.boolean(value, `${field}.caseSensitive`));
      c.optional(condition.on, (value) => c.oneOf(value, `${field}.on`, ['body', 'normalised']));
      if (!c.text(condition.regex, `${field}.regex`, LIMITS.regexLength)) return;
      try {
        compileRuleRegex({ regex: condition.regex, caseSensitive: condition.caseSensitive === true });
      } catch (error) {
        c.report(`${field}.regex`, `is not a valid RE2 regular expression: ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    case 'linkDomain': {
      const at = `${field}.linkDomain`;
      c.object(condition, field, ['linkDomain']);
      if (!c.object(condition.linkDomain, at, ['in', 'notIn'])) return;
      const { in: inside, notIn } = condition.linkDomain;
      if (inside === undefined && notIn === undefined) c.report(at, 'needs in or notIn');
      if (inside !== undefined) checkDomains(inside, `${at}.in`, c);
      if (notIn !== undefined) checkDomains(notIn, `${at}.notIn`, c);
      return;
    }
    case 'author': {
      const at = `${field}.author`;
      const fields = ['accountAgeDays', 'approvedCount', 'rejectedCount'];
      c.object(condition, field, ['author']);
      if (!c.object(condition.author, at, fields)) return;
      if (!fields.some((name) => name in (condition.author as JsonObject))) c.report(at, `needs one of ${fields.join(', ')}`);
      for (const [name, test] of Object.entries(condition.author)) checkNumericTest(test, `${at}.${name}`, c);
      return;
    }
    default:
      c.object(condition, field, ['reportCount']);
      checkNumericTest(condition.reportCount, `${field}.reportCount`, c);
  }
}

function checkRules(rules: unknown, c: PolicyChecker): void {
  if (!c.array(rules, 'rules', LIMITS.rules)) return;
  const ids = new Set<string>();
  rules.forEach((rule, index) => {
    const field = `rules[${index}]`;
    if (!c.object(rule, field, ['id', 'when', 'action', 'category', 'message', 'weight'])) return;
    if (c.text(rule.id, `${field}.id`, 100)) {
      if (ids.has(rule.id)) c.report(`${field}.id`, `repeats the id of an earlier rule`);
      ids.add(rule.id);
    }
    c.oneOf(rule.action, `${field}.action`, ['reject', 'hold', 'score']);
    c.oneOf(rule.category, `${field}.category`, REASON_CATEGORIES);
    c.text(rule.message, `${field}.message`, LIMITS.textLength);
    c.optional(rule.weight, (value) => c.fraction(value, `${field}.weight`));
    if (!c.object(rule.when, `${field}.when`, ['any', 'all'])) return;
    let conditions = 0;
    for (const group of ['any', 'all'] as const) {
      const list = rule.when[group];
      if (list === undefined || !c.array(list, `${field}.when.${group}`, LIMITS.conditionsPerRule)) continue;
      conditions += list.length;
      list.forEach((condition, at) => checkCondition(condition, `${field}.when.${group}[${at}]`, c));
    }
    if (conditions === 0) c.report(`${field}.when`, 'needs at least one condition in any or all');
  });
}

function checkSpam(spam: unknown, c: PolicyChecker): void {
  if (!c.object(spam, 'spam')) return;
  c.number(spam.maxLinks, 'spam.maxLinks', 0, 1_000, true);
  for (const list of ['blockedDomains', 'allowedDomains', 'shortenerDomains']) checkDomains(spam[list], `spam.${list}`, c);
  c.number(spam.capsMinLetters, 'spam.capsMinLetters', 1, 100_000, true);
  c.fraction(spam.capsMaxRatio, 'spam.capsMaxRatio');
  c.number(spam.maxCharRun, 'spam.maxCharRun', 2, 100_000, true);
  if (c.object(spam.weights, 'spam.weights')) {
    for (const [name, weight] of Object.entries(spam.weights)) c.fraction(weight, `spam.weights.${name}`);
  }
  if (c.object(spam.holdAt, 'spam.holdAt')) {
    for (const [name, count] of Object.entries(spam.holdAt)) c.number(count, `spam.holdAt.${name}`, 0, 1e9, true);
  }
}

function checkPolicy(policy: JsonObject, c: PolicyChecker): void {
  c.oneOf(policy.mode, 'mode', ['post', 'pre']);
  const lengthsValid = c.number(policy.minLength, 'minLength', 0, 1_000_000, true) && c.number(policy.maxLength, 'maxLength', 1, 1_000_000, true);
  if (lengthsValid && (policy.minLength as number) > (policy.maxLength as number)) c.report('minLength', 'must not exceed maxLength');
  c.oneOf(policy.lengthAction, 'lengthAction', ['reject', 'hold']);
  if (c.array(policy.wordList, 'wordList', LIMITS.listEntries)) {
    policy.wordList.forEach((entry, index) => checkListEntry(entry, `wordList[${index}]`, c));
  }
  c.boolean(policy.replaceDefaultList, 'replaceDefaultList');
  if (c.array(policy.allowList, 'allowList', LIMITS.listEntries)) {
    policy.allowList.forEach((term, index) => checkTerm(term, `allowList[${index}]`, c));
  }
  const terms = [
    ...(Array.isArray(policy.wordList) ? policy.wordList.map((entry) => (isObject(entry) ? entry.term : undefined)) : []),
    ...(Array.isArray(policy.allowList) ? policy.allowList : []),
  ];
  const termCharacters = terms.reduce((sum: number, term) => sum + (typeof term === 'string' ? term.length : 0), 0);
  if (termCharacters > LIMITS.listCharacters) c.report('wordList', `and allowList together hold ${termCharacters} characters of terms (at most ${LIMITS.listCharacters})`);
  c.oneOf(policy.directedInsultAction, 'directedInsultAction', ['hold', 'reject']);
  checkRules(policy.rules, c);
  c.number(policy.ruleTimeBudgetMs, 'ruleTimeBudgetMs', 0.001, 1_000);
  checkSpam(policy.spam, c);
  if (c.object(policy.holdNewAuthors, 'holdNewAuthors')) {
    c.boolean(policy.holdNewAuthors.enabled, 'holdNewAuthors.enabled');
    c.number(policy.holdNewAuthors.minApproved, 'holdNewAuthors.minApproved', 0, 1e9, true);
  }
  if (c.object(policy.rejectionRate, 'rejectionRate')) {
    c.boolean(policy.rejectionRate.enabled, 'rejectionRate.enabled');
    c.fraction(policy.rejectionRate.max, 'rejectionRate.max');
    c.number(policy.rejectionRate.minSamples, 'rejectionRate.minSamples', 1, 1e9, true);
  }
  if (c.object(policy.thresholds, 'thresholds')) {
    for (const [name, threshold] of Object.entries(policy.thresholds)) {
      const field = `thresholds.${name}`;
      if (!c.object(threshold, field, ['hold', 'reject'])) continue;
      const holdValid = c.optional(threshold.hold, (value) => c.fraction(value, `${field}.hold`));
      const rejectValid = c.optional(threshold.reject, (value) => c.fraction(value, `${field}.reject`));
      if (holdValid && rejectValid && typeof threshold.hold === 'number' && typeof threshold.reject === 'number' && threshold.hold > threshold.reject) {
        c.report(`${field}.hold`, 'must not exceed reject');
      }
    }
  }
}

/**
 * Merges a site's policy over DEFAULT_POLICY and checks it. Every problem names the JSON path of
 * its field; `policy` is only given when there is none.
 */
export function validatePolicy(input: unknown): { policy?: SitePolicy; errors: PolicyProblem[] } {
  if (input === undefined || input === null) return { policy: DEFAULT_POLICY, errors: [] };
  if (!isObject(input)) return { errors: [{ field: '(root)', problem: 'must be an object' }] };
  const checker = new PolicyChecker();
  const merged = mergeOverDefaults(DEFAULT_POLICY as unknown as JsonObject, input, '', checker.problems);
  checkPolicy(merged, checker);
  return checker.problems.length > 0 ? { errors: checker.problems } : { policy: merged as unknown as SitePolicy, errors: [] };
}
