import { AhoCorasick } from './aho-corasick.js';
import { ANY_LETTER, MAY_ALSO_BE_L, normalise, type NormalisedText } from './normalise.js';

/**
 * `word`: the term is a whole word ("ass" does not match "class" or "assassin").
 * `prefix`: the term starts a word ("fuck" matches "fucking"); the span covers the whole word.
 * `phrase`: several words in order, separated by any spaces or punctuation.
 */
export type MatchMode = 'word' | 'prefix' | 'phrase';

export interface TermPattern {
  term: string;
  match: MatchMode;
}

/** An occurrence of pattern number `pattern` at [from, to) of the normalised text. */
export interface TermHit {
  pattern: number;
  from: number;
  to: number;
}

/** Hit i is pattern[i] at [from[i], to[i]), for i < count. */
export interface TermHits {
  count: number;
  pattern: Int32Array;
  from: Int32Array;
  to: Int32Array;
}

/** Why a term cannot be matched, or undefined when it can. */
export function termProblem(term: string): string | undefined {
  const folded = normalise(term);
  if (folded.length === 0) return 'has no letters or digits';
  if (folded.flags.includes(ANY_LETTER)) return 'must be spelled out: masked spellings (f*ck) are matched automatically';
  return undefined;
}

/**
 * A term as the automaton sees it: the letters with each run of a repeated letter collapsed to
 * one, plus the run lengths, so that the text "fuuuuck" reaches the term "fuck" while the
 * comparison of run lengths keeps "as" from matching "ass".
 */
interface CompiledTerm {
  runLengths: Uint8Array;
  wholeWord: boolean;
}

const SPACE = 0x20;
const LETTER_L = 0x6c;
const LETTER_A = 0x61;
const ALPHABET_SIZE = 26;
/**
 * Ambiguous characters (1 = i or l, * = any letter) make the automaton follow several states at
 * once; past this many, the extra paths of a heavily masked word are dropped.
 */
const MAX_ACTIVE_STATES = 16;

function holds(states: Int32Array, count: number, state: number): boolean {
  for (let k = 0; k < count; k++) if (states[k] === state) return true;
  return false;
}

function collapseRuns(text: string): { letters: string; runLengths: Uint8Array } {
  let letters = '';
  const runLengths: number[] = [];
  for (let i = 0; i < text.length; ) {
    let j = i + 1;
    while (j < text.length && text[j] === text[i]) j++;
    letters += text[i];
    runLengths.push(Math.min(j - i, 255));
    i = j;
  }
  return { letters, runLengths: Uint8Array.from(runLengths) };
}

/**
 * Finds every listed term in a normalised text in one pass of an Aho–Corasick automaton, with
 * word boundaries checked on the normalised text. One matcher serves many texts; it is not
 * reentrant (it reuses its scratch buffers), which a synchronous caller never notices.
 */
export class TermMatcher {
  private readonly automaton: AhoCorasick;
  private readonly terms: CompiledTerm[];
  // Per run of the current text ("position"): where it starts and how long it is.
  private runStart = new Int32Array(256);
  private runLength = new Int32Array(256);
  private active = new Int32Array(MAX_ACTIVE_STATES);
  private nextActive = new Int32Array(MAX_ACTIVE_STATES);
  private readonly hits: TermHits = { count: 0, pattern: new Int32Array(64), from: new Int32Array(64), to: new Int32Array(64) };

  constructor(patterns: readonly TermPattern[]) {
    const letters: string[] = [];
    this.terms = patterns.map(({ term, match }) => {
      const collapsed = collapseRuns(normalise(term).text);
      letters.push(collapsed.letters);
      return { runLengths: collapsed.runLengths, wholeWord: match !== 'prefix' };
    });
    this.automaton = new AhoCorasick(letters);
  }

  /** The hits in `norm`, in arrays that the next call reuses. */
  findAll(norm: NormalisedText): TermHits {
    const { codes, flags } = norm;
    const n = codes.length;
    if (this.runStart.length < n) {
      this.runStart = new Int32Array(n);
      this.runLength = new Int32Array(n);
    }
    const hits = this.hits;
    hits.count = 0;
    const automaton = this.automaton;
    // The hot loop keeps everything it touches per character in locals.
    const { runStart, runLength } = this;
    let state = AhoCorasick.ROOT;
    let activeCount = 1;
    let position = 0;
    for (let i = 0; i < n; position++) {
      const code = codes[i];
      const flag = flags[i];
      let runEnd = i + 1;
      if (flag !== ANY_LETTER) {
        while (runEnd < n && codes[runEnd] === code && flags[runEnd] === flag) runEnd++;
      }
      runStart[position] = i;
      runLength[position] = runEnd - i;
      i = runEnd;

      if (flag === 0 && activeCount === 1) {
        state = automaton.step(state, code);
        if (automaton.hasOutput(state)) this.collect(state, position, norm, hits.count);
        continue;
      }
      if (activeCount === 1) this.active[0] = state;
      activeCount = this.stepAmbiguous(activeCount, code, flag);
      const firstHitHere = hits.count;
      for (let k = 0; k < activeCount; k++) this.collect(this.active[k], position, norm, firstHitHere);
      state = this.active[0];
    }
    return hits;
  }

  /**
   * Advances every active state by every letter the character may stand for. A mask is always
   * inside a word, where no term can start, so only the paths it extends are kept: this keeps
   * the 26 letters it may stand for from crowding out the useful states.
   */
  private stepAmbiguous(activeCount: number, code: number, flag: number): number {
    const automaton = this.automaton;
    const candidates = flag === ANY_LETTER ? ALPHABET_SIZE : flag === MAY_ALSO_BE_L ? 2 : 1;
    let count = 0;
    for (let k = 0; k < activeCount; k++) {
      const from = this.active[k];
      for (let c = 0; c < candidates; c++) {
        const letter = flag === ANY_LETTER ? LETTER_A + c : c === 0 ? code : LETTER_L;
        const state = automaton.step(from, letter);
        if (flag === ANY_LETTER && automaton.depth(state) !== automaton.depth(from) + 1) continue;
        if (count < MAX_ACTIVE_STATES && !holds(this.nextActive, count, state)) this.nextActive[count++] = state;
      }
    }
    if (count === 0) this.nextActive[count++] = AhoCorasick.ROOT;
    [this.active, this.nextActive] = [this.nextActive, this.active];
    return count;
  }

  /**
   * Records the patterns ending in `state` at `position` whose boundaries and runs agree.
   * Several active states can report the same pattern here: hits from `firstHitHere` on are
   * this position's.
   */
  private collect(state: number, position: number, norm: NormalisedText, firstHitHere: number): void {
    const { codes } = norm;
    const automaton = this.automaton;
    for (let o = automaton.firstOutput(state); o < automaton.endOutput(state); o++) {
      const pattern = automaton.outputAt(o);
      const term = this.terms[pattern];
      const first = position - term.runLengths.length + 1;
      const from = this.runStart[first];
      if (from > 0 && codes[from - 1] !== SPACE) continue;
      let to = this.runStart[position] + this.runLength[position];
      if (term.wholeWord) {
        if (to < codes.length && codes[to] !== SPACE) continue;
      } else {
        while (to < codes.length && codes[to] !== SPACE) to++;
      }
      if (!this.runsAgree(term, first)) continue;
      if (!this.isRecordedSince(firstHitHere, pattern, from)) this.record(pattern, from, to);
    }
  }

  private isRecordedSince(firstHit: number, pattern: number, from: number): boolean {
    const { count, pattern: patterns, from: starts } = this.hits;
    for (let i = firstHit; i < count; i++) if (patterns[i] === pattern && starts[i] === from) return true;
    return false;
  }

  private record(pattern: number, from: number, to: number): void {
    const hits = this.hits;
    if (hits.count === hits.pattern.length) {
      const grow = (array: Int32Array): Int32Array => {
        const grown = new Int32Array(array.length * 2);
        grown.set(array);
        return grown;
      };
      hits.pattern = grow(hits.pattern);
      hits.from = grow(hits.from);
      hits.to = grow(hits.to);
    }
    hits.pattern[hits.count] = pattern;
    hits.from[hits.count] = from;
    hits.to[hits.count++] = to;
  }

  /**
   * Each run of the text must have the term's length, or be stretched (3 or more): "fuuuck" is
   * "fuck" and "asss" is "ass", but "good" is not "god" and "as" is not "ass". A prefix may go
   * on with its last letter ("fuckkk").
   */
  private runsAgree(term: CompiledTerm, first: number): boolean {
    const last = term.runLengths.length - 1;
    for (let q = 0; q <= last; q++) {
      const typed = this.runLength[first + q];
      const expected = term.runLengths[q];
      if (typed === expected) continue;
      if (typed > expected && (typed >= 3 || (q === last && !term.wholeWord))) continue;
      return false;
    }
    return true;
  }
}
