import { findLinks, type Link } from './links.js';
import { Normaliser, type NormalisedText } from './normalise.js';
import { severer, type EvaluationContext, type Phase, type PhaseOutcome } from './phase.js';
import { AuthorPhase } from './phases/author.js';
import { LengthPhase } from './phases/length.js';
import { PolicyPhase } from './phases/policy.js';
import { RulesPhase } from './phases/rules.js';
import { ScoresPhase, type Scorer } from './phases/scores.js';
import { SpamPhase } from './phases/spam.js';
import { WordListPhase } from './phases/word-lists.js';
import { PolicyError, validatePolicy } from './policy.js';
import type { SitePolicy, SitePolicyInput } from './policy-types.js';
import type { CommentInput, PhaseResult, Span, Verdict, VerdictAction } from './types.js';

export const ENGINE_VERSION = '1.0.0';

export interface EngineOptions {
  /** Run after the rule-based phases; their scores meet the policy's thresholds. */
  scorers?: readonly Scorer[];
  /** Milliseconds, monotonic: the rules' time budget is measured with it. */
  clock?: () => number;
  /** Fill `PhaseResult.durationMs` (for benchmarks and audits; verdicts are then not reproducible). */
  recordTimings?: boolean;
}

const NORMALISE_PHASE = 'normalise';

/**
 * One for all engines: its results are valid until the next evaluation, which is all a verdict
 * needs, and its buffers grow once to the longest comment rather than once per engine.
 */
const normaliser = new Normaliser();

/** Scores are sums of weights: rounding keeps 0.30000000000000004 out of the audit. */
function rounded(scores: Readonly<Record<string, number>>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name in scores) result[name] = Math.round(scores[name] * 10_000) / 10_000;
  return result;
}

class Evaluation implements EvaluationContext {
  readonly scores: Record<string, number> = {};
  readonly scoreSpans = new Map<string, Span[]>();
  private foundLinks?: readonly Link[];

  constructor(
    readonly input: CommentInput,
    readonly text: NormalisedText,
  ) {}

  links(): readonly Link[] {
    this.foundLinks ??= findLinks(this.input.body);
    return this.foundLinks;
  }

  merge(outcome: PhaseOutcome, how: Phase['scoreMerge']): void {
    for (const name in outcome.scores) {
      const score = outcome.scores[name];
      const known = this.scores[name] ?? 0;
      this.scores[name] = how === 'add' ? Math.min(1, known + score) : Math.max(known, score);
    }
    for (const [name, spans] of outcome.scoreSpans ?? []) {
      this.scoreSpans.set(name, [...(this.scoreSpans.get(name) ?? []), ...spans]);
    }
  }
}

/**
 * The moderation pipeline for one site policy. Build it once per policy (the constructor
 * compiles the word lists into an automaton and the rules' regular expressions) and call
 * `evaluate` for every comment; `evaluate` is synchronous and does no I/O.
 */
export class ModerationEngine {
  readonly policy: SitePolicy;
  private readonly phases: readonly Phase[];
  private readonly clock: () => number;
  private readonly recordTimings: boolean;

  /** @throws PolicyError naming every bad field of `policy`. */
  constructor(policy?: SitePolicyInput, options: EngineOptions = {}) {
    const { policy: valid, errors } = validatePolicy(policy);
    if (valid === undefined) throw new PolicyError(errors);
    this.policy = valid;
    this.clock = options.clock ?? (() => performance.now());
    this.recordTimings = options.recordTimings ?? false;
    this.phases = [
      new LengthPhase(valid),
      new WordListPhase(valid),
      new RulesPhase(valid, { clock: this.clock }),
      new SpamPhase(valid),
      new AuthorPhase(valid),
      new ScoresPhase(options.scorers ?? []),
      new PolicyPhase(valid),
    ];
  }

  /** Never throws: should a phase fail unexpectedly, the comment is held with `engine.error`. */
  evaluate(input: CommentInput): Verdict {
    try {
      return this.run(input);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      const reason = { code: 'engine.error', category: 'policy' as const, phase: 'engine', message: `The engine failed: ${problem}`, spans: [], effect: 'hold' as const };
      return { action: 'hold', reasons: [reason], scores: {}, engineVersion: ENGINE_VERSION, phases: [] };
    }
  }

  private run(input: CommentInput): Verdict {
    const started = this.recordTimings ? this.clock() : 0;
    // A body over twice maxLength UTF-16 units is over maxLength code points, and rejected by
    // the length phase: its tail need not be normalised.
    const { body } = input;
    const text = normaliser.run(body.length > 2 * this.policy.maxLength ? body.slice(0, 2 * this.policy.maxLength) : body);
    const evaluation = new Evaluation(input, text);
    const results: PhaseResult[] = [this.result(NORMALISE_PHASE, undefined, [], {}, started)];

    let action: VerdictAction | undefined;
    for (const phase of this.phases) {
      const phaseStarted = this.recordTimings ? this.clock() : 0;
      const outcome = phase.run(evaluation);
      evaluation.merge(outcome, phase.scoreMerge);
      results.push(this.result(phase.name, outcome.action, outcome.reasons, outcome.scores, phaseStarted));
      if (outcome.action !== undefined) action = severer(action, outcome.action);
      if (action === 'reject') break;
    }

    return {
      action: this.decide(action, input),
      reasons: results.flatMap((result) => result.reasons),
      scores: rounded(evaluation.scores),
      engineVersion: ENGINE_VERSION,
      phases: results,
    };
  }

  /**
   * The decision rule. A reject from any phase is decisive: it ends the run and wins. Holds
   * accumulate (later phases still run, so moderators see every reason, and a later reject still
   * wins). Trusted authors skip holds, pre-moderation included, but never rejections. Otherwise
   * the comment is approved.
   */
  private decide(action: VerdictAction | undefined, input: CommentInput): VerdictAction {
    if (action === 'reject') return 'reject';
    if (action === 'hold' && input.author.trust !== 'trusted') return 'hold';
    return 'approve';
  }

  private result(
    phase: string,
    action: VerdictAction | undefined,
    reasons: PhaseResult['reasons'],
    scores: PhaseResult['scores'],
    started: number,
  ): PhaseResult {
    const result: PhaseResult = { phase, decisive: action === 'reject', reasons, scores: rounded(scores) };
    if (action !== undefined) result.action = action;
    if (this.recordTimings) result.durationMs = this.clock() - started;
    return result;
  }
}
