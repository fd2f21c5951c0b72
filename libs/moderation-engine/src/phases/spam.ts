import { findCryptoAddresses, findEmails, findMoneyPromises, findPhoneNumbers } from '../content-signals.js';
import { DomainSet } from '../links.js';
import type { TextStats } from '../normalise.js';
import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { SitePolicy, SpamPolicy } from '../policy-types.js';
import type { CommentSignals, Span } from '../types.js';

const linkSpan = ({ start, end, text }: Span): Span => ({ start, end, text });

/** The fewest digits of a phone number (with a "+"), and the shortest crypto address. */
const MIN_PHONE_DIGITS = 8;
const MIN_CRYPTO_ADDRESS_LENGTH = 26;

/** Digits in a link (ids, ISBNs) are not phone numbers, nor its hex a crypto address. */
function outsideLinks(spans: Span[], context: EvaluationContext): Span[] {
  const links = context.links();
  return links.length === 0 ? spans : spans.filter((span) => !links.some((link) => span.start < link.end && span.end > link.start));
}

/** The scans for ways to be contacted or paid, each run only when the text's stats allow a hit. */
const CONTACT_SCANS: readonly {
  code: string;
  weight: keyof SpamPolicy['weights'];
  message: string;
  worthRunning: (stats: TextStats) => boolean;
  find: (body: string, context: EvaluationContext) => Span[];
}[] = [
  {
    code: 'spam.phone',
    weight: 'phone',
    message: 'Phone number',
    worthRunning: (stats) => stats.digits >= MIN_PHONE_DIGITS,
    find: (body, context) => outsideLinks(findPhoneNumbers(body), context),
  },
  { code: 'spam.email', weight: 'email', message: 'E-mail address', worthRunning: (stats) => stats.atSigns > 0, find: findEmails },
  {
    code: 'spam.crypto_address',
    weight: 'cryptoAddress',
    message: 'Cryptocurrency address',
    worthRunning: (stats) => stats.longestAlnumRun >= MIN_CRYPTO_ADDRESS_LENGTH,
    find: (body, context) => outsideLinks(findCryptoAddresses(body), context),
  },
  { code: 'spam.money_promise', weight: 'moneyPromise', message: 'Promise of money', worthRunning: (stats) => stats.digits > 0, find: findMoneyPromises },
];

/** The counter signals, with the reason each one gives at its threshold. */
const COUNTERS: readonly { signal: keyof CommentSignals & keyof SpamPolicy['holdAt']; code: string; describe: (n: number) => string }[] = [
  { signal: 'authorRepeatCount', code: 'spam.author_repeat', describe: (n) => `The author posted this text ${n} times` },
  { signal: 'distinctAuthorsSameText', code: 'spam.same_text_many_authors', describe: (n) => `${n} authors posted this text` },
  { signal: 'authorPostsLastMinute', code: 'spam.author_rate', describe: (n) => `The author posted ${n} comments in the last minute` },
  { signal: 'ipPostsLastMinute', code: 'spam.ip_rate', describe: (n) => `${n} comments came from this address in the last minute` },
  { signal: 'reportCount', code: 'reports.threshold', describe: (n) => `Readers reported this comment ${n} times` },
];

/**
 * Spam signals: links (blocked domains reject; shorteners and too many links hold), content
 * signals that add to the spam score (shouting, character floods, phone numbers, e-mail and
 * crypto addresses, money promises) and the worker's counters, held at their thresholds.
 */
export class SpamPhase implements Phase {
  readonly name = 'spam';
  readonly scoreMerge = 'add';
  private readonly blocked: DomainSet;
  private readonly allowed: DomainSet;
  private readonly shorteners: DomainSet;
  private readonly spam: SpamPolicy;

  constructor(policy: Pick<SitePolicy, 'spam'>) {
    this.spam = policy.spam;
    this.blocked = new DomainSet(policy.spam.blockedDomains);
    this.allowed = new DomainSet(policy.spam.allowedDomains);
    this.shorteners = new DomainSet(policy.spam.shortenerDomains);
  }

  run(context: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    this.checkLinks(context, outcome);
    this.checkContent(context, outcome);
    this.checkCounters(context.input.signals, outcome);
    return outcome;
  }

  private checkLinks(context: EvaluationContext, outcome: PhaseOutcome): void {
    const links = context.links().filter((link) => !this.allowed.has(link.hostname));
    const blocked = links.filter((link) => this.blocked.has(link.hostname));
    if (blocked.length > 0) {
      const hosts = [...new Set(blocked.map((link) => link.hostname))];
      outcome.reject({ code: 'spam.blocked_domain', category: 'spam', message: `Links to a blocked domain: ${hosts.join(', ')}`, spans: blocked.map(linkSpan), ref: hosts[0] });
    }
    const shortened = links.filter((link) => this.shorteners.has(link.hostname));
    if (shortened.length > 0) {
      outcome.hold({ code: 'spam.shortener', category: 'spam', message: 'Links through a URL shortener hide their destination', spans: shortened.map(linkSpan), ref: shortened[0].hostname });
    }
    if (links.length > 0) {
      const message = links.length === 1 ? 'A link' : `${links.length} links`;
      outcome.scored({ code: 'spam.link', category: 'spam', message, spans: links.map(linkSpan) }, this.spam.weights.link);
    }
    if (links.length > this.spam.maxLinks) {
      outcome.hold({ code: 'spam.too_many_links', category: 'spam', message: `${links.length} links (at most ${this.spam.maxLinks})`, spans: links.map(linkSpan) });
    }
  }

  private checkContent(context: EvaluationContext, outcome: PhaseOutcome): void {
    const body = context.input.body;
    const { weights } = this.spam;
    const { stats } = context.text;
    const scored = (code: string, weight: number, message: string, spans: Span[]): void =>
      outcome.scored({ code, category: 'spam', message, spans }, weight);
    const { letters, upperLetters, longestRunStart, longestRunEnd } = stats;
    if (letters >= this.spam.capsMinLetters && upperLetters / letters > this.spam.capsMaxRatio) {
      scored('spam.caps', weights.caps, `${Math.round((100 * upperLetters) / letters)}% of the letters are capitals`, []);
    }
    if (longestRunEnd - longestRunStart > this.spam.maxCharRun) {
      const run = { start: longestRunStart, end: longestRunEnd, text: body.slice(longestRunStart, longestRunEnd) };
      scored('spam.repetition', weights.repetition, `One character repeated ${run.end - run.start} times`, [run]);
    }
    for (const { code, weight, message, worthRunning, find } of CONTACT_SCANS) {
      if (!worthRunning(stats)) continue;
      const spans = find(body, context);
      if (spans.length > 0) scored(code, weights[weight], message, spans);
    }
  }

  private checkCounters(signals: CommentSignals | undefined, outcome: PhaseOutcome): void {
    if (signals === undefined) return;
    for (const { signal, code, describe } of COUNTERS) {
      const value = signals[signal];
      const threshold = this.spam.holdAt[signal];
      if (value === undefined || threshold <= 0 || value < threshold) continue;
      outcome.hold({ code, category: signal === 'reportCount' ? 'policy' : 'spam', message: describe(value), ref: signal });
    }
  }
}
