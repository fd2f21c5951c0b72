import { RE2JS } from 're2js';
import { DomainSet } from '../links.js';
import { spanOf } from '../normalise.js';
import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { NumericTest, RegexCondition, Rule, RuleCondition, SitePolicy } from '../policy-types.js';
import type { Span } from '../types.js';

/** Weight of a `score` rule that does not give one. */
const DEFAULT_RULE_WEIGHT = 0.25;

/**
 * Compiles a rule's regular expression with RE2 (re2js), whose matching time is linear in the
 * text: a rule such as `(a+)+$` cannot take minutes as it can with JavaScript's RegExp.
 * Throws on invalid syntax.
 */
export function compileRuleRegex(condition: Pick<RegexCondition, 'regex' | 'caseSensitive'>): RE2JS {
  return RE2JS.compile(condition.regex, condition.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
}

/** The spans a passing condition points at (possibly none), or undefined when it fails. */
type Check = (context: EvaluationContext) => Span[] | undefined;

const PASS: Span[] = [];

function passesNumericTest(value: number, test: NumericTest): boolean {
  return (
    (test.lt === undefined || value < test.lt) &&
    (test.lte === undefined || value <= test.lte) &&
    (test.gt === undefined || value > test.gt) &&
    (test.gte === undefined || value >= test.gte)
  );
}

function regexCheck(condition: RegexCondition): Check {
  const pattern = compileRuleRegex(condition);
  if (condition.on === 'normalised') {
    return ({ text }) => {
      // test() runs RE2's DFA; the slower matcher only runs for the span of a match.
      if (!pattern.test(text.text)) return undefined;
      const matcher = pattern.matcher(text.text);
      return matcher.find() && matcher.end() > matcher.start() ? [spanOf(text, matcher.start(), matcher.end())] : PASS;
    };
  }
  return ({ input: { body } }) => {
    if (!pattern.test(body)) return undefined;
    const matcher = pattern.matcher(body);
    return matcher.find() ? [{ start: matcher.start(), end: matcher.end(), text: body.slice(matcher.start(), matcher.end()) }] : PASS;
  };
}

function linkDomainCheck({ linkDomain }: { linkDomain: { in?: string[]; notIn?: string[] } }): Check {
  const inside = linkDomain.in && new DomainSet(linkDomain.in);
  const outside = linkDomain.notIn && new DomainSet(linkDomain.notIn);
  return (context) => {
    const spans = context
      .links()
      .filter((link) => (inside === undefined || inside.has(link.hostname)) && (outside === undefined || !outside.has(link.hostname)))
      .map(({ start, end, text }) => ({ start, end, text }));
    return spans.length > 0 ? spans : undefined;
  };
}

function compileCondition(condition: RuleCondition): Check {
  if ('regex' in condition) return regexCheck(condition);
  if ('linkDomain' in condition) return linkDomainCheck(condition);
  if ('reportCount' in condition) {
    const test = condition.reportCount;
    return ({ input }) => (passesNumericTest(input.signals?.reportCount ?? 0, test) ? PASS : undefined);
  }
  const fields = Object.entries(condition.author) as [keyof typeof condition.author, NumericTest][];
  return ({ input: { author } }) =>
    fields.every(([field, test]) => {
      const value = author[field];
      return value !== undefined && passesNumericTest(value, test);
    })
      ? PASS
      : undefined;
}

class CompiledRule {
  private readonly all: Check[];
  private readonly any: Check[];

  constructor(readonly rule: Rule) {
    this.all = (rule.when.all ?? []).map(compileCondition);
    this.any = (rule.when.any ?? []).map(compileCondition);
  }

  /** The spans of the passing conditions when the rule matches, otherwise undefined. */
  match(context: EvaluationContext): Span[] | undefined {
    const spans: Span[] = [];
    for (const check of this.all) {
      const found = check(context);
      if (found === undefined) return undefined;
      spans.push(...found);
    }
    if (this.any.length === 0) return spans;
    for (const check of this.any) {
      const found = check(context);
      if (found !== undefined) return [...spans, ...found];
    }
    return undefined;
  }
}

export interface RulesPhaseOptions {
  /** Milliseconds, monotonic. */
  clock: () => number;
}

/**
 * The site's AutoModerator-style rules, in order, under a time budget. A rule that throws or
 * does not get to run in time holds the comment: a broken rule must never let a comment through.
 */
export class RulesPhase implements Phase {
  readonly name = 'rules';
  readonly scoreMerge = 'add';
  private readonly rules: CompiledRule[];
  private readonly budgetMs: number;

  constructor(policy: Pick<SitePolicy, 'rules' | 'ruleTimeBudgetMs'>, private readonly options: RulesPhaseOptions) {
    this.rules = policy.rules.map((rule) => new CompiledRule(rule));
    this.budgetMs = policy.ruleTimeBudgetMs;
  }

  run(context: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    if (this.rules.length === 0) return outcome;
    const started = this.options.clock();
    for (let index = 0; index < this.rules.length; index++) {
      if (this.options.clock() - started >= this.budgetMs) {
        const skipped = this.rules.slice(index).map(({ rule }) => rule.id);
        outcome.hold({
          code: 'rule.timeout',
          category: 'policy',
          message: `Rules ran out of their ${this.budgetMs} ms budget; not evaluated: ${skipped.join(', ')}`,
          ref: skipped[0],
        });
        break;
      }
      const { rule } = this.rules[index];
      try {
        const spans = this.rules[index].match(context);
        if (spans === undefined) continue;
        const draft = { code: 'rule.match', category: rule.category, message: rule.message, spans, ref: rule.id };
        if (rule.action === 'score') outcome.scored(draft, rule.weight ?? DEFAULT_RULE_WEIGHT);
        else outcome.add(draft, rule.action);
        // A reject ends the run: later rules could not change the verdict.
        if (rule.action === 'reject') break;
      } catch (error) {
        outcome.hold({
          code: 'rule.error',
          category: 'policy',
          message: `Rule ${rule.id} failed: ${error instanceof Error ? error.message : String(error)}`,
          ref: rule.id,
        });
      }
    }
    return outcome;
  }
}
