import { DEFAULT_ALLOW_LIST, DEFAULT_WORD_LIST, TARGET_TERMS } from '../data/default-word-list.js';
import { spanOf, type NormalisedText } from '../normalise.js';
import { PhaseOutcome, type EvaluationContext, type Phase } from '../phase.js';
import type { ListAction, ListEntry, SitePolicy } from '../policy-types.js';
import { TermMatcher, type TermHit, type TermHits, type TermPattern } from '../term-matcher.js';
import type { Span } from '../types.js';

/** Weight of a `score` entry that does not give one. */
const DEFAULT_ENTRY_WEIGHT = 0.25;

/** What a term in the shared automaton is for. */
enum TermKind {
  Listed,
  Allowed,
  /** The reader being answered: "you", "ur"... */
  Person,
  /** A nationality, ethnicity, religion or orientation. */
  Group,
}

/** How close a target must come before an insult to be its target: "you [are a] idiot", "turks [are] vermin". */
const MAX_WORDS_BETWEEN: Readonly<Record<TermKind.Person | TermKind.Group, number>> = {
  [TermKind.Person]: 2,
  [TermKind.Group]: 1,
};

const ACTION_SEVERITY: Readonly<Record<ListAction, number>> = { score: 0, hold: 1, reject: 2 };

interface ListedHit extends TermHit {
  entry: Required<ListEntry>;
}

/** Words between normalised offsets `to` (end of one word) and `from` (start of a later one). */
function wordsBetween(text: NormalisedText, to: number, from: number): number {
  let spaces = 0;
  for (let i = to; i < from; i++) if (text.codes[i] === 0x20) spaces++;
  return spaces - 1;
}

/** Whether original[from, to) ends a sentence: ". ! ? ;" or a line break. */
function endsSentence(original: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = original.charCodeAt(i);
    if (code === 0x2e || code === 0x21 || code === 0x3f || code === 0x3b || code === 0x0a) return true;
  }
  return false;
}

/**
 * The hits to report, in text order. A hit inside a longer hit of the same category that asks
 * for as much is reported by that one; of hits with the same span (f**k is "fuck" and "fck"),
 * the first is. One sweep: hits sorted by start, longest first, against the reported hits
 * still open at that point.
 */
function withoutShadowed(hits: readonly ListedHit[]): ListedHit[] {
  const sorted = [...hits].sort((a, b) => a.from - b.from || b.to - a.to);
  const reported: ListedHit[] = [];
  let open: ListedHit[] = [];
  for (const hit of sorted) {
    open = open.filter((other) => other.to > hit.from);
    const shadowed = open.some(
      (other) =>
        other.entry.category === hit.entry.category &&
        other.to >= hit.to &&
        ACTION_SEVERITY[other.entry.action] >= ACTION_SEVERITY[hit.entry.action],
    );
    if (shadowed) continue;
    reported.push(hit);
    open.push(hit);
  }
  return reported;
}

type ListPolicy = Pick<SitePolicy, 'wordList' | 'replaceDefaultList' | 'allowList'>;

/** A site's lists compiled into one automaton, with what each of its patterns is for. */
interface CompiledLists {
  matcher: TermMatcher;
  kinds: Uint8Array;
  /** The listed entries, by pattern number (they come first). */
  entries: Required<ListEntry>[];
}

function compileLists(policy: ListPolicy): CompiledLists {
  const listed = policy.replaceDefaultList ? policy.wordList : [...DEFAULT_WORD_LIST, ...policy.wordList];
  const allowed = policy.replaceDefaultList ? policy.allowList : [...DEFAULT_ALLOW_LIST, ...policy.allowList];
  const entries = listed.map(({ term, category, action, match = 'word', weight = DEFAULT_ENTRY_WEIGHT }) => ({ term, category, action, match, weight }));
  const groups: [TermKind, TermPattern[]][] = [
    [TermKind.Listed, entries],
    [TermKind.Allowed, allowed.map((term) => ({ term, match: 'prefix' }))],
    [TermKind.Person, TARGET_TERMS.person.map((term) => ({ term, match: 'word' }))],
    [TermKind.Group, TARGET_TERMS.group.map((term) => ({ term, match: 'word' }))],
  ];
  return {
    matcher: new TermMatcher(groups.flatMap(([, patterns]) => patterns)),
    kinds: Uint8Array.from(groups.flatMap(([kind, patterns]) => patterns.map(() => kind))),
    entries,
  };
}

/**
 * Compiled lists shared by engines whose policies have the same lists (most sites keep the
 * built-in ones): an automaton takes tens of milliseconds to build and most of an engine's
 * memory. Sharing is safe because a matcher is only busy during a synchronous evaluation.
 */
const compiledLists = new Map<string, CompiledLists>();
const MAX_SHARED_LISTS = 64;

function sharedLists(policy: ListPolicy): CompiledLists {
  const key = JSON.stringify([policy.replaceDefaultList, policy.wordList, policy.allowList]);
  let lists = compiledLists.get(key);
  if (lists === undefined) {
    lists = compileLists(policy);
    if (compiledLists.size >= MAX_SHARED_LISTS) compiledLists.delete(compiledLists.keys().next().value as string);
    compiledLists.set(key, lists);
  }
  return lists;
}

/**
 * Word and phrase lists: the built-in list and the site's, the allow list, and the words that
 * show who an insult is aimed at, all matched in one pass of one automaton.
 */
export class WordListPhase implements Phase {
  readonly name = 'lists';
  readonly scoreMerge = 'add';
  private readonly matcher: TermMatcher;
  private readonly kinds: Uint8Array;
  private readonly entries: Required<ListEntry>[];
  private readonly directedInsultAction: SitePolicy['directedInsultAction'];

  constructor(policy: ListPolicy & Pick<SitePolicy, 'directedInsultAction'>) {
    ({ matcher: this.matcher, kinds: this.kinds, entries: this.entries } = sharedLists(policy));
    this.directedInsultAction = policy.directedInsultAction;
  }

  run({ text }: EvaluationContext): PhaseOutcome {
    const outcome = new PhaseOutcome(this.name);
    const hits = this.matcher.findAll(text);
    // Most comments have no listed term: objects are only made for listed hits, and the
    // allowed words and targets only looked at when there are some.
    const listed: ListedHit[] = [];
    for (let i = 0; i < hits.count; i++) {
      const pattern = hits.pattern[i];
      if (this.kinds[pattern] === TermKind.Listed) listed.push({ pattern, from: hits.from[i], to: hits.to[i], entry: this.entries[pattern] });
    }
    if (listed.length === 0) return outcome;
    const allowed = this.hitsOf(hits, (kind) => kind === TermKind.Allowed);
    const notAllowed = allowed.length === 0 ? listed : listed.filter((hit) => !allowed.some((allow) => allow.from <= hit.from && allow.to >= hit.to));
    const reported = withoutShadowed(notAllowed);
    this.reportEntries(reported, text, outcome);
    if (reported.some((hit) => hit.entry.category === 'insult')) {
      const targets = this.hitsOf(hits, (kind) => kind === TermKind.Person || kind === TermKind.Group);
      this.reportAimedInsults(reported, targets, text, outcome);
    }
    return outcome;
  }

  private hitsOf(hits: TermHits, wanted: (kind: TermKind) => boolean): TermHit[] {
    const found: TermHit[] = [];
    for (let i = 0; i < hits.count; i++) {
      if (wanted(this.kinds[hits.pattern[i]])) found.push({ pattern: hits.pattern[i], from: hits.from[i], to: hits.to[i] });
    }
    return found;
  }

  /** One reason per entry, with a span per occurrence; `score` entries add their weight per occurrence. */
  private reportEntries(hits: readonly ListedHit[], text: NormalisedText, outcome: PhaseOutcome): void {
    const spansByEntry = new Map<Required<ListEntry>, Span[]>();
    for (const hit of hits) {
      const span = spanOf(text, hit.from, hit.to);
      const spans = spansByEntry.get(hit.entry);
      if (spans === undefined) spansByEntry.set(hit.entry, [span]);
      else spans.push(span);
      if (hit.entry.action === 'score') outcome.score(hit.entry.category, hit.entry.weight, [span]);
    }
    for (const [{ term, category, action }, spans] of spansByEntry) {
      const draft = { code: `list.${category}`, category, message: `Listed ${category.replace('_', ' ')} term "${term}"`, spans, ref: term };
      outcome.add(draft, action);
    }
  }

  /**
   * An insult right after a group word ("balkanic scum") attacks the group; one shortly after
   * "you" ("you are an idiot") attacks the reader. Either asks for `directedInsultAction`,
   * whatever the insult alone would ask for. `hits` are in text order.
   */
  private reportAimedInsults(hits: readonly ListedHit[], targets: TermHit[], text: NormalisedText, outcome: PhaseOutcome): void {
    if (targets.length === 0) return;
    targets.sort((a, b) => a.from - b.from);
    // The nearest target of each kind before the current insult.
    const nearest: Partial<Record<TermKind.Person | TermKind.Group, TermHit>> = {};
    let passed = 0;
    for (const insult of hits) {
      if (insult.entry.category !== 'insult') continue;
      for (; passed < targets.length && targets[passed].to < insult.from; passed++) {
        nearest[this.kinds[targets[passed].pattern] as TermKind.Person | TermKind.Group] = targets[passed];
      }
      const aimed = (kind: TermKind.Person | TermKind.Group): TermHit | undefined => {
        const target = nearest[kind];
        const close =
          target !== undefined &&
          wordsBetween(text, target.to, insult.from) <= MAX_WORDS_BETWEEN[kind] &&
          !endsSentence(text.original, text.end[target.to - 1], text.start[insult.from]);
        return close ? target : undefined;
      };
      const group = aimed(TermKind.Group);
      const target = group ?? aimed(TermKind.Person);
      if (target === undefined) continue;
      const spans = [spanOf(text, target.from, insult.to)];
      const term = insult.entry.term;
      const draft = group
        ? { code: 'list.group_insult', category: 'identity_attack' as const, message: `Insult "${term}" aimed at a group of people`, spans, ref: term }
        : { code: 'list.directed_insult', category: 'insult' as const, message: `Insult "${term}" aimed at the reader`, spans, ref: term };
      outcome.add(draft, this.directedInsultAction);
    }
  }
}
