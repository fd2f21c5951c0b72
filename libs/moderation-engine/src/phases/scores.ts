import type { NormalisedText } from '../normalise.js';
import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { CommentInput, Span } from '../types.js';

/**
 * A pluggable scorer, such as a learned toxicity model: probabilities in [0, 1] by score name.
 * A name that is a category (insult, spam...) raises that category's score; any other name
 * (toxicity) is a score of its own. The policy's thresholds apply to both.
 */
export interface Scorer {
  readonly name: string;
  /** `text` is only valid during the call (the engine reuses its arrays): copy what you keep. */
  score(text: NormalisedText, input: CommentInput): ScorerResult;
}

export interface ScorerResult {
  scores: Record<string, number>;
  /** What in the body earned each score. */
  spans?: Record<string, Span[]>;
}

/** Runs the scorers; a scorer that fails holds the comment rather than letting it through unscored. */
export class ScoresPhase implements Phase {
  readonly name = 'scores';
  readonly scoreMerge = 'max';

  constructor(private readonly scorers: readonly Scorer[]) {}

  run({ text, input }: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    const highest: Record<string, number> = {};
    const spansByName = new Map<string, Span[]>();
    for (const scorer of this.scorers) {
      let result: ScorerResult;
      try {
        result = scorer.score(text, input);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        outcome.hold({ code: 'scorer.error', category: 'policy', message: `Scorer ${scorer.name} failed: ${problem}`, ref: scorer.name });
        continue;
      }
      for (const [name, value] of Object.entries(result.scores)) {
        if (!Number.isFinite(value)) continue;
        highest[name] = Math.max(highest[name] ?? 0, Math.min(1, Math.max(0, value)));
        spansByName.set(name, [...(spansByName.get(name) ?? []), ...(result.spans?.[name] ?? [])]);
      }
    }
    for (const [name, value] of Object.entries(highest)) outcome.score(name, value, spansByName.get(name));
    return outcome;
  }
}
