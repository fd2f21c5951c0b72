/**
 * An Aho–Corasick automaton over UTF-16 code units: it finds every occurrence of every pattern
 * in one pass over a text, whatever the number of patterns.
 *
 * Transitions on ASCII (what the built-in lists are made of) are a dense table, so a step is two
 * array reads. Transitions on other characters, which only site-added terms in other scripts
 * produce, follow the classic goto/failure links instead, so that a list in a large alphabet
 * cannot blow the table up to states × alphabet.
 */
export class AhoCorasick {
  static readonly ROOT = 0;

  readonly stateCount: number;
  /** Column of each ASCII code in `transitions`, -1 when no pattern contains it. */
  private readonly asciiColumn = new Int16Array(128).fill(-1);
  private readonly width: number;
  /** 16-bit when the states fit: half the table keeps more of it in the CPU cache. */
  private readonly transitions: Int16Array | Int32Array;
  private readonly failure: Int32Array;
  /** Length of the pattern prefix each state stands for. */
  private readonly depths: Int32Array;
  /** Non-ASCII goto edges, keyed by `state * 0x10000 + code`. */
  private readonly otherGoto = new Map<number, number>();
  private readonly otherCodes = new Set<number>();
  /** Patterns ending in state s: `outputPatterns[outputStart[s] .. outputStart[s + 1]]`. */
  private readonly outputStart: Int32Array;
  private readonly outputPatterns: Int32Array;

  /** Pattern ids are the indices in `patterns`; empty patterns never match. */
  constructor(patterns: readonly string[]) {
    const children: Map<number, number>[] = [new Map()];
    const ends: number[][] = [[]];
    const depths: number[] = [0];
    patterns.forEach((pattern, id) => {
      if (pattern.length === 0) return;
      let state = AhoCorasick.ROOT;
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        let next = children[state].get(code);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push([]);
          depths.push(depths[state] + 1);
          children[state].set(code, next);
        }
        state = next;
      }
      ends[state].push(id);
    });
    this.stateCount = children.length;
    this.depths = Int32Array.from(depths);

    const asciiCodes: number[] = [];
    for (const pattern of patterns) {
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        if (code >= 128) this.otherCodes.add(code);
        else if (this.asciiColumn[code] < 0) this.asciiColumn[code] = asciiCodes.push(code) - 1;
      }
    }
    this.width = Math.max(asciiCodes.length, 1);
    const cells = this.stateCount * this.width;
    this.transitions = this.stateCount <= 0x7fff ? new Int16Array(cells) : new Int32Array(cells);
    this.failure = new Int32Array(this.stateCount);

    // Breadth first, so that a state's failure target (shallower) is complete before it.
    const outputs: number[][] = new Array(this.stateCount);
    outputs[AhoCorasick.ROOT] = ends[AhoCorasick.ROOT];
    const queue: number[] = [AhoCorasick.ROOT];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head];
      const fail = this.failure[state];
      for (const code of asciiCodes) {
        const column = this.asciiColumn[code];
        const child = children[state].get(code);
        const viaFailure = state === AhoCorasick.ROOT ? AhoCorasick.ROOT : this.transitions[fail * this.width + column];
        this.transitions[state * this.width + column] = child ?? viaFailure;
        if (child !== undefined) this.failure[child] = viaFailure;
      }
      for (const [code, child] of children[state]) {
        if (code >= 128) {
          this.otherGoto.set(state * 0x10000 + code, child);
          this.failure[child] = state === AhoCorasick.ROOT ? AhoCorasick.ROOT : this.step(fail, code);
        }
        queue.push(child);
      }
      outputs[state] = state === AhoCorasick.ROOT ? ends[state] : [...ends[state], ...outputs[fail]];
    }

    this.outputStart = new Int32Array(this.stateCount + 1);
    for (let state = 0; state < this.stateCount; state++) {
      this.outputStart[state + 1] = this.outputStart[state] + outputs[state].length;
    }
    this.outputPatterns = Int32Array.from(outputs.flat());
  }

  /** The state after reading `code` in `state`. */
  step(state: number, code: number): number {
    if (code < 128) {
      const column = this.asciiColumn[code];
      return column < 0 ? AhoCorasick.ROOT : this.transitions[state * this.width + column];
    }
    if (!this.otherCodes.has(code)) return AhoCorasick.ROOT;
    for (let at = state; ; at = this.failure[at]) {
      const next = this.otherGoto.get(at * 0x10000 + code);
      if (next !== undefined) return next;
      if (at === AhoCorasick.ROOT) return AhoCorasick.ROOT;
    }
  }

  hasOutput(state: number): boolean {
    return this.outputStart[state] !== this.outputStart[state + 1];
  }

  depth(state: number): number {
    return this.depths[state];
  }

  /** Index range in `outputAt` of the patterns that end in `state`. */
  firstOutput(state: number): number {
    return this.outputStart[state];
  }

  endOutput(state: number): number {
    return this.outputStart[state + 1];
  }

  outputAt(index: number): number {
    return this.outputPatterns[index];
  }
}
