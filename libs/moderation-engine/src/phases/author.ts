import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { SitePolicy } from '../policy-types.js';

/**
 * The author's standing: banned authors are rejected, `always_hold` authors held, new authors
 * (when the site asks) and authors with a high share of rejected comments held. Trusted authors
 * get no reasons here; the engine lets them skip holds from every phase.
 */
export class AuthorPhase implements Phase {
  readonly name = 'author';
  readonly scoreMerge = 'add';

  constructor(private readonly policy: Pick<SitePolicy, 'holdNewAuthors' | 'rejectionRate'>) {}

  run({ input: { author } }: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    if (author.trust === 'banned') {
      outcome.reject({ code: 'author.banned', category: 'policy', message: 'The author is banned', ref: author.id });
      return outcome;
    }
    if (author.trust === 'always_hold') {
      outcome.hold({ code: 'author.always_hold', category: 'policy', message: 'Every comment of this author is held', ref: author.id });
    }
    const approved = author.approvedCount ?? 0;
    const { holdNewAuthors, rejectionRate } = this.policy;
    if (holdNewAuthors.enabled && approved < holdNewAuthors.minApproved) {
      outcome.hold({ code: 'author.new', category: 'policy', message: `The author has ${approved} approved comments (fewer than ${holdNewAuthors.minApproved})`, ref: author.id });
    }
    const rejected = author.rejectedCount ?? 0;
    const judged = approved + rejected;
    if (rejectionRate.enabled && judged >= rejectionRate.minSamples && rejected / judged > rejectionRate.max) {
      outcome.hold({ code: 'author.rejection_rate', category: 'policy', message: `${rejected} of the author's ${judged} judged comments were rejected`, ref: author.id });
    }
    return outcome;
  }
}
