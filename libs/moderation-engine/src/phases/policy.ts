import { isReasonCategory } from '../categories.js';
import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { SitePolicy, Threshold } from '../policy-types.js';

/** The site's thresholds over the scores gathered so far, then pre-moderation. */
export class PolicyPhase implements Phase {
  readonly name = 'policy';
  readonly scoreMerge = 'add';

  private readonly thresholds: [string, Threshold][];
  private readonly mode: SitePolicy['mode'];

  constructor(policy: Pick<SitePolicy, 'thresholds' | 'mode'>) {
    this.thresholds = Object.entries(policy.thresholds);
    this.mode = policy.mode;
  }

  run({ scores, scoreSpans }: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    for (const [name, { hold, reject }] of this.thresholds) {
      const score = scores[name];
      if (score === undefined) continue;
      const reached = reject !== undefined && score >= reject ? 'reject' : hold !== undefined && score >= hold ? 'hold' : undefined;
      if (reached === undefined) continue;
      const threshold = reached === 'reject' ? reject : hold;
      outcome.add(
        {
          code: 'score.threshold',
          // A scorer's own score (toxicity) is not a category: its reason is a policy one.
          category: isReasonCategory(name) ? name : 'policy',
          message: `Score ${name} ${score.toFixed(2)} reached the ${reached} threshold ${threshold}`,
          spans: [...(scoreSpans.get(name) ?? [])],
          ref: name,
        },
        reached,
      );
    }
    if (this.mode === 'pre' && outcome.action !== 'reject') {
      outcome.hold({ code: 'policy.premoderation', category: 'policy', message: 'The site pre-moderates every comment' });
    }
    return outcome;
  }
}
