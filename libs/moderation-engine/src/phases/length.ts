import { isInvisible } from '../normalise.js';
import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { SitePolicy } from '../policy-types.js';

const isWhitespace = (char: string): boolean => /\s/u.test(char);

/** Code points of `body`, counting a surrogate pair once. */
function codePointLength(body: string): number {
  let length = body.length;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code >= 0xdc00 && code <= 0xdfff && i > 0 && body.charCodeAt(i - 1) >= 0xd800 && body.charCodeAt(i - 1) <= 0xdbff) {
      length--;
    }
  }
  return length;
}

/** Counts visible code points (not whitespace, not invisible), stopping once `enough` are seen. */
function visibleLength(body: string, enough: number): number {
  let visible = 0;
  for (const char of body) {
    const code = char.codePointAt(0) ?? 0;
    const hidden = code < 128 ? code <= 0x20 || code === 0x7f : isWhitespace(char) || isInvisible(code);
    if (!hidden && ++visible >= enough) break;
  }
  return visible;
}

/** Length limits: empty, too short and too long bodies. */
export class LengthPhase implements Phase {
  readonly name = 'length';
  readonly scoreMerge = 'add';

  constructor(private readonly policy: Pick<SitePolicy, 'minLength' | 'maxLength' | 'lengthAction'>) {}

  run({ input }: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    const { body } = input;
    const { minLength, maxLength, lengthAction } = this.policy;
    // A UTF-16 length within the limit cannot hold more code points than that.
    const length = body.length <= maxLength ? body.length : codePointLength(body);
    const visible = visibleLength(body, Math.max(minLength, 1));
    if (length > maxLength) {
      outcome.add({ code: 'length.too_long', category: 'length', message: `Longer than ${maxLength} characters (${length})` }, lengthAction);
    } else if (visible === 0) {
      outcome.add({ code: 'length.empty', category: 'length', message: 'Empty once whitespace and invisible characters are removed' }, lengthAction);
    } else if (visible < minLength) {
      outcome.add({ code: 'length.too_short', category: 'length', message: `Shorter than ${minLength} visible characters` }, lengthAction);
    }
    return outcome;
  }
}
