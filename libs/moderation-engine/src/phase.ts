import type { Link } from './links.js';
import type { NormalisedText } from './normalise.js';
import type { CommentInput, Reason, ReasonCategory, ReasonEffect, Span, VerdictAction } from './types.js';

/** What one evaluation shares between its phases. */
export interface EvaluationContext {
  readonly input: CommentInput;
  /** Normalised once, by the first phase. */
  readonly text: NormalisedText;
  /** The links in the body, found on first use. */
  links(): readonly Link[];
  /** Scores so far, by category or scorer score name. */
  readonly scores: Readonly<Record<string, number>>;
  /** The spans behind each score so far. */
  readonly scoreSpans: ReadonlyMap<string, readonly Span[]>;
}

export interface Phase {
  readonly name: string;
  /**
   * How the phase's scores combine with the earlier ones: evidence from lists, rules and
   * signals adds up (capped at 1), while a scorer's probability only raises a score.
   */
  readonly scoreMerge: 'add' | 'max';
  run(context: EvaluationContext): PhaseOutcome;
}

export interface ReasonDraft {
  code: string;
  category: ReasonCategory;
  message: string;
  spans?: Span[];
  ref?: string;
}

const SEVERITY: Readonly<Record<VerdictAction, number>> = { approve: 0, hold: 1, reject: 2 };

/** The more severe of two actions. */
export function severer(a: VerdictAction | undefined, b: VerdictAction): VerdictAction {
  return a === undefined || SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** What a phase found: reasons, the action it asks for, and its score contributions. */
export class PhaseOutcome {
  action?: VerdictAction;
  readonly reasons: Reason[] = [];
  readonly scores: Record<string, number> = {};
  /** The spans behind each score; made on first use, as most phases of most comments score nothing. */
  scoreSpans?: Map<string, Span[]>;

  constructor(private readonly phase: string) {}

  reject(draft: ReasonDraft): void {
    this.add(draft, 'reject');
  }

  hold(draft: ReasonDraft): void {
    this.add(draft, 'hold');
  }

  /** Asks for `effect`; `score` only explains a score added with `score()`. */
  add(draft: ReasonDraft, effect: ReasonEffect): void {
    if (effect !== 'score') this.action = severer(this.action, effect);
    const { code, category, message, spans = [], ref } = draft;
    this.reasons.push({ code, category, phase: this.phase, message, spans, effect, ...(ref === undefined ? {} : { ref }) });
  }

  /** A `score` reason, whose weight goes to the score of its category. */
  scored(draft: ReasonDraft, weight: number): void {
    this.score(draft.category, weight, draft.spans);
    this.add(draft, 'score');
  }

  /** Adds `weight` to the score `key`, with the spans that earned it. */
  score(key: string, weight: number, spans: readonly Span[] = []): void {
    this.scores[key] = (this.scores[key] ?? 0) + weight;
    if (spans.length > 0) {
      this.scoreSpans ??= new Map();
      const known = this.scoreSpans.get(key);
      if (known === undefined) this.scoreSpans.set(key, [...spans]);
      else known.push(...spans);
    }
  }
}
