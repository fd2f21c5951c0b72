import type { Span } from './types.js';

/*
 * Folding the text an author typed into the text the word lists are matched against, undoing
 * the usual evasions: Unicode compatibility forms (ｆｕｃｋ, 𝐟𝐮𝐜𝐤: NFKC's folding, done as NFKD so
 * that accents can be dropped too), case, invisible and zero-width characters, look-alike letters
 * from other scripts (Cyrillic і, Armenian ս), leetspeak (1d10t, sh!t, @ss), masks (f*ck) and
 * spaced or dotted letters (f u c k, f.u.c.k).
 *
 * Stretched letters (fuuuuck) are NOT collapsed here: the term matcher compares run lengths, so
 * "good" and "committee" keep their double letters.
 *
 * Every normalised character remembers the range of the original it came from, so a match in
 * the normalised text points at exactly what the author typed.
 *
 * Two passes over reused arrays: the first folds each code point into units (UTF-16 code units
 * with a class), the second, which can see whole tokens, resolves leetspeak, masks and spaced
 * letters and collapses separators. This runs for every comment: the loops avoid allocation and
 * branches that the profiler showed to matter.
 */

/**
 * Counts over the original text, gathered while it is folded: the spam signals need them, and
 * one pass over the body is measurably cheaper than two.
 */
export interface TextStats {
  letters: number;
  upperLetters: number;
  digits: number;
  atSigns: number;
  /** The longest run of one repeated character, not counting whitespace or digits: [start, end). */
  longestRunStart: number;
  longestRunEnd: number;
  /** The longest run of ASCII letters and digits (crypto addresses have 26 to 74). */
  longestAlnumRun: number;
}

/** A normalised text, with the way back to the original. */
export class NormalisedText {
  private decoded?: string;

  constructor(
    readonly original: string,
    readonly stats: Readonly<TextStats>,
    /** The characters of `text`, as UTF-16 code units. */
    readonly codes: Uint16Array,
    /** `text[i]` came from `original.slice(start[i], end[i])`. */
    readonly start: Int32Array,
    readonly end: Int32Array,
    /** Per character: `MAY_ALSO_BE_L`, `ANY_LETTER` or 0. */
    readonly flags: Uint8Array,
  ) {}

  get length(): number {
    return this.codes.length;
  }

  /**
   * A copy whose arrays are its own, for keeping past the next run of a Normaliser. They share
   * one buffer: in V8 each ArrayBuffer costs microseconds to allocate.
   */
  detached(): NormalisedText {
    const n = this.length;
    // start and end (4 bytes each), then the code units (2), then the flags (1).
    const buffer = new ArrayBuffer(n * 11);
    const copy = new NormalisedText(
      this.original,
      this.stats,
      new Uint16Array(buffer, n * 8, n),
      new Int32Array(buffer, 0, n),
      new Int32Array(buffer, n * 4, n),
      new Uint8Array(buffer, n * 10, n),
    );
    copy.codes.set(this.codes);
    copy.start.set(this.start);
    copy.end.set(this.end);
    copy.flags.set(this.flags);
    return copy;
  }

  /**
   * Lower-case folded text made of word characters and single spaces (every run of punctuation
   * and whitespace becomes one space), without leading or trailing space. Decoded on first use:
   * the word lists read `codes`.
   */
  get text(): string {
    // Lone surrogates never get here (they fold to separators), so decoding is lossless.
    this.decoded ??= UTF16.decode(this.codes);
    return this.decoded;
  }
}

const UTF16 = new TextDecoder('utf-16le');

/** An `i` typed as `1` or `|`, which could as well stand for `l` (k1ll, 1d10t). */
export const MAY_ALSO_BE_L = 1;
/** A mask (`*`) inside a word, standing for any one letter (f*ck). Stored in `text` as `*`. */
export const ANY_LETTER = 2;

/** The original range behind the normalised characters [from, to). */
export function spanOf(norm: NormalisedText, from: number, to: number): Span {
  const start = norm.start[from];
  const end = norm.end[to - 1];
  return { start, end, text: norm.original.slice(start, end) };
}

/**
 * The text the worker keys its repeat counters on: two comments that differ only in case,
 * punctuation, spacing or the evasions above get the same fingerprint. Not a hash: hash it.
 */
export function textFingerprint(body: string): string {
  return shared.run(body).text;
}

/** True for characters that render as nothing (zero-width, joiners, variation selectors...). */
export function isInvisible(codePoint: number): boolean {
  return INVISIBLE.test(String.fromCodePoint(codePoint)) || isCombiningDiacritic(codePoint);
}

// Classes of folded units, decided before word boundaries are known.
const SEPARATOR = 0;
const LETTER = 1;
const DIGIT = 2;
/** `@ $ ! | *`: leetspeak or masks inside a word, punctuation elsewhere. */
const SYMBOL = 3;

const CODE = (ch: string): number => ch.charCodeAt(0);
const SPACE = CODE(' ');
const DIGIT_ONE = CODE('1');
const [AT, DOLLAR, BANG, PIPE, STAR] = ['@', '$', '!', '|', '*'].map(CODE);
const [LETTER_A, LETTER_I, LETTER_S] = ['a', 'i', 's'].map(CODE);

/** Digits read as letters inside a word that has letters (sh1t, 1d10t), not in "2019". */
const LEET_DIGITS = new Uint16Array(128);
for (const [digit, letter] of Object.entries({ '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't' })) {
  LEET_DIGITS[CODE(digit)] = CODE(letter);
}

/** Separators that may sit between spaced-out letters (f u c k, f.u.c.k, f-u-c-k, f_u_c_k). */
const LETTER_SPACERS = new Set([' ', '.', '-', '_'].map(CODE));
/** Fewer spaced letters than this are ordinary text ("I a", "e.g."). */
const MIN_SPACED_LETTERS = 3;

/**
 * Look-alike letters that NFKD leaves alone. Upper-case forms are listed where they look unlike
 * their lower-case (Greek Η looks like H, η like n).
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', В: 'b', е: 'e', є: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c',
  т: 't', у: 'y', ү: 'y', ұ: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w',
  һ: 'h', ӏ: 'l', Ӏ: 'l', ь: 'b', п: 'n', ѵ: 'v',
  // Greek
  α: 'a', β: 'b', γ: 'y', δ: 'd', ε: 'e', η: 'n', Η: 'h', ι: 'i', κ: 'k', μ: 'u', ν: 'v',
  Ν: 'n', ο: 'o', π: 'n', ρ: 'p', ς: 'c', τ: 't', υ: 'u', Υ: 'y', χ: 'x', ω: 'w', Ζ: 'z',
  Β: 'b', Μ: 'm',
  // Armenian
  ս: 'u', օ: 'o', ո: 'n', հ: 'h', ց: 'g', զ: 'q',
  // Latin letters without a decomposition, and small capitals
  ı: 'i', ɩ: 'i', ɨ: 'i', ł: 'l', ø: 'o', đ: 'd', ð: 'd', ħ: 'h', ŧ: 't', ƀ: 'b', ŋ: 'n',
  ß: 'ss', æ: 'ae', œ: 'oe', ɑ: 'a', ɡ: 'g', ᴀ: 'a', ʙ: 'b', ᴄ: 'c', ᴅ: 'd', ᴇ: 'e', ɢ: 'g',
  ʜ: 'h', ɪ: 'i', ᴊ: 'j', ᴋ: 'k', ʟ: 'l', ᴍ: 'm', ɴ: 'n', ᴏ: 'o', ᴘ: 'p', ʀ: 'r', ꜱ: 's',
  ᴛ: 't', ᴜ: 'u', ᴠ: 'v', ᴡ: 'w', ʏ: 'y', ᴢ: 'z',
};

const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const LETTER_CHAR = /\p{L}/u;
const DECIMAL_DIGIT = /\p{Nd}/u;
/** The generic combining-diacritic blocks: accents on any script, and "Zalgo" stacks. */
const COMBINING_DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;

function isCombiningDiacritic(codePoint: number): boolean {
  return (
    (codePoint >= 0x0300 && codePoint <= 0x036f) ||
    (codePoint >= 0x1ab0 && codePoint <= 0x1aff) ||
    (codePoint >= 0x1dc0 && codePoint <= 0x1dff) ||
    (codePoint >= 0x20d0 && codePoint <= 0x20ff) ||
    (codePoint >= 0xfe20 && codePoint <= 0xfe2f)
  );
}

/** A non-ASCII code point folded into units (UTF-16 code units) and their classes. */
interface FoldedCodePoint {
  readonly units: string;
  readonly classes: Uint8Array;
  /** For TextStats: whether the code point as typed is a letter, an upper-case one. */
  readonly letter: boolean;
  readonly upper: boolean;
}

function classOfSymbolOrAscii(code: number): number {
  if (code >= 0x61 && code <= 0x7a) return LETTER;
  if (code >= 0x30 && code <= 0x39) return DIGIT;
  return '@$!|*'.includes(String.fromCharCode(code)) ? SYMBOL : SEPARATOR;
}

// ASCII is folded through tables: it is most of what comments are made of.
const ASCII_FOLD = new Uint16Array(128);
const ASCII_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const lower = String.fromCharCode(code).toLowerCase().charCodeAt(0);
  ASCII_FOLD[code] = lower;
  ASCII_CLASS[code] = classOfSymbolOrAscii(lower);
}

function foldCodePoint(codePoint: number): FoldedCodePoint {
  const typed = String.fromCodePoint(codePoint);
  const letter = LETTER_CHAR.test(typed);
  const upper = letter && typed !== typed.toLowerCase();
  if (isInvisible(codePoint)) return { units: '', classes: new Uint8Array(0), letter, upper };
  const decomposed = typed.normalize('NFKD').replace(COMBINING_DIACRITICS, '');
  let units = '';
  const classes: number[] = [];
  for (const ch of decomposed) {
    const folded = HOMOGLYPHS[ch] ?? HOMOGLYPHS[ch.toLowerCase()] ?? ch.toLowerCase();
    for (const foldedChar of folded) {
      const code = foldedChar.codePointAt(0) ?? 0;
      let cls: number;
      if (code < 128) cls = classOfSymbolOrAscii(code);
      else if (LETTER_OR_MARK.test(foldedChar)) cls = LETTER;
      else if (DECIMAL_DIGIT.test(foldedChar)) cls = DIGIT;
      else cls = SEPARATOR;
      // A code point above the BMP is two units with the same class.
      for (let unit = 0; unit < foldedChar.length; unit++) classes.push(cls);
      units += foldedChar;
    }
  }
  return { units, classes: Uint8Array.from(classes), letter, upper };
}

/** Bounded so that a flood of distinct code points cannot grow memory without end. */
const FOLD_CACHE_LIMIT = 50_000;
const foldCache = new Map<number, FoldedCodePoint>();

function foldCached(codePoint: number): FoldedCodePoint {
  let folded = foldCache.get(codePoint);
  if (folded === undefined) {
    folded = foldCodePoint(codePoint);
    if (foldCache.size < FOLD_CACHE_LIMIT) foldCache.set(codePoint, folded);
  }
  return folded;
}

/** Scratch arrays reused by every call (normalise is synchronous): the hot loops allocate nothing. */
class UnitArrays {
  length = 0;
  code = new Uint16Array(0);
  /** A byte per unit: the class of a folded unit, the flags of a written one. */
  mark = new Uint8Array(0);
  start = new Int32Array(0);
  end = new Int32Array(0);

  /** Empties the arrays and makes room for `capacity` units. */
  reset(capacity: number): void {
    this.length = 0;
    if (this.code.length >= capacity) return;
    const grown = Math.max(capacity, this.code.length * 2, 256);
    this.code = new Uint16Array(grown);
    this.mark = new Uint8Array(grown);
    this.start = new Int32Array(grown);
    this.end = new Int32Array(grown);
  }
}

/** The body folded unit by unit, before tokens are known. */
const units = new UnitArrays();

const isDigitCode = (code: number): boolean => code >= 0x30 && code <= 0x39;

// What each ASCII character adds to the TextStats, as bits: counting with them instead of
// branching on the character class halves the cost of the fold (fewer mispredicted branches).
const IS_LETTER = 1;
const IS_UPPER = 2;
const IS_DIGIT = 4;
const IS_AT = 8;
const IS_ALNUM = 16;
const ASCII_STATS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const upper = code >= 0x41 && code <= 0x5a;
  const letter = upper || (code >= 0x61 && code <= 0x7a);
  const digit = isDigitCode(code);
  ASCII_STATS[code] =
    (letter ? IS_LETTER : 0) | (upper ? IS_UPPER : 0) | (digit ? IS_DIGIT : 0) | (code === 0x40 ? IS_AT : 0) | (letter || digit ? IS_ALNUM : 0);
}

/** Folds `body` into `units`, and returns its TextStats. */
function foldUnits(body: string): TextStats {
  // Room for one unit per UTF-16 unit, and some for code points that fold to several (ß → ss);
  // should that run out, the fold starts over with twice the room.
  for (let capacity = body.length + 64; ; capacity = units.code.length * 2) {
    units.reset(capacity);
    const stats = foldUnitsWithinRoom(body);
    if (stats !== undefined) return stats;
  }
}

/** The fold, or undefined when it needs more units than the arrays have room for. */
function foldUnitsWithinRoom(body: string): TextStats | undefined {
  // Locals that never change let the compiler keep the hot loop tight.
  const { code, mark: cls, start, end } = units;
  const capacity = code.length;
  let n = 0;
  let letters = 0;
  let upperLetters = 0;
  let digits = 0;
  let atSigns = 0;
  let alnumRun = 0;
  let longestAlnumRun = 0;
  let runCode = -1;
  let runStart = 0;
  let longestRunStart = 0;
  let longestRunEnd = 0;
  for (let i = 0; i < body.length; ) {
    const unit = body.charCodeAt(i);
    if (unit !== runCode) {
      if (i - runStart > longestRunEnd - longestRunStart && runCode > 0x20 && !isDigitCode(runCode)) {
        longestRunStart = runStart;
        longestRunEnd = i;
      }
      runCode = unit;
      runStart = i;
    }
    if (unit < 128) {
      code[n] = ASCII_FOLD[unit];
      cls[n] = ASCII_CLASS[unit];
      start[n] = i;
      end[n++] = ++i;
      const bits = ASCII_STATS[unit];
      letters += bits & IS_LETTER;
      upperLetters += (bits & IS_UPPER) >> 1;
      digits += (bits & IS_DIGIT) >> 2;
      atSigns += (bits & IS_AT) >> 3;
      alnumRun = (alnumRun + 1) * ((bits & IS_ALNUM) >> 4);
      if (alnumRun > longestAlnumRun) longestAlnumRun = alnumRun;
      continue;
    }
    alnumRun = 0;
    const codePoint = body.codePointAt(i) ?? unit;
    const width = codePoint > 0xffff ? 2 : 1;
    const folded = foldCached(codePoint);
    if (n + folded.units.length + (body.length - i - width) > capacity) return undefined;
    if (folded.letter) letters++;
    if (folded.upper) upperLetters++;
    for (let k = 0; k < folded.units.length; k++) {
      code[n] = folded.units.charCodeAt(k);
      cls[n] = folded.classes[k];
      start[n] = i;
      end[n++] = i + width;
    }
    i += width;
  }
  if (body.length - runStart > longestRunEnd - longestRunStart && runCode > 0x20 && !isDigitCode(runCode)) {
    longestRunStart = runStart;
    longestRunEnd = body.length;
  }
  units.length = n;
  return { letters, upperLetters, digits, atSigns, longestRunStart, longestRunEnd, longestAlnumRun };
}

/**
 * Normalises into arrays it reuses, so that evaluating a comment allocates no fresh memory (in
 * V8, first writes to new memory cost more than the normalisation itself). A result is valid
 * until the same Normaliser runs again; `normalise()` gives results of their own.
 */
export class Normaliser {
  private readonly out = new UnitArrays();
  private gapStart = -1;
  private gapEnd = -1;

  run(body: string): NormalisedText {
    const stats = foldUnits(body);
    const { code, mark: cls, start, end, length } = units;
    const out = this.out;
    out.reset(length);
    // Room for every unit was made: the output arrays stay the same for the whole run.
    const { code: outCode, mark: outFlags, start: outStart, end: outEnd } = out;
    this.gapStart = -1;
    for (let at = 0; at < length; ) {
      if (cls[at] === SEPARATOR) {
        this.separator(start[at], end[at]);
        at++;
        continue;
      }
      // The classes present in the token, as bits (1 << class): no branch per unit.
      let classes = 0;
      let tokenEnd = at;
      for (; tokenEnd < length && cls[tokenEnd] !== SEPARATOR; tokenEnd++) classes |= 1 << cls[tokenEnd];
      const hasLetter = (classes & (1 << LETTER)) !== 0;
      if (tokenEnd === at + 1 && hasLetter) {
        const spacedEnd = spacedLettersEnd(at);
        if (spacedEnd >= 0) {
          for (let k = at; k < spacedEnd; k += 2) this.char(code[k], 0, start[k], end[k]);
          at = spacedEnd;
          continue;
        }
      }
      if (classes & (1 << SYMBOL)) {
        this.tokenWithSymbols(at, tokenEnd, hasLetter);
        at = tokenEnd;
        continue;
      }
      // Letters and digits: most of every text, copied here in one loop rather than unit by
      // unit through `char`. In a token with letters, digits are leetspeak.
      const leetspeak = hasLetter && (classes & (1 << DIGIT)) !== 0;
      this.flushGap();
      let n = out.length;
      for (; at < tokenEnd; at++, n++) {
        const c = code[at];
        const leet = leetspeak && c < 128 ? LEET_DIGITS[c] : 0;
        outCode[n] = leet === 0 ? c : leet;
        outFlags[n] = leet !== 0 && c === DIGIT_ONE ? MAY_ALSO_BE_L : 0;
        outStart[n] = start[at];
        outEnd[n] = end[at];
      }
      out.length = n;
    }
    const n = out.length;
    return new NormalisedText(body, stats, outCode.subarray(0, n), outStart.subarray(0, n), outEnd.subarray(0, n), outFlags.subarray(0, n));
  }

  /**
   * Emits a token with symbols, units [from, to): @ and $ stand for letters anywhere in a word
   * (@ss, a$$); ! | * only between letters or digits, so that "idiot!" and "*sigh*" keep their
   * punctuation; in a token without letters ($500) every symbol is punctuation.
   */
  private tokenWithSymbols(from: number, to: number, hasLetter: boolean): void {
    const { code, mark: cls, start, end } = units;
    let firstAlnum = to;
    let lastAlnum = -1;
    for (let k = from; k < to; k++) {
      if (cls[k] !== SYMBOL) {
        firstAlnum = Math.min(firstAlnum, k);
        lastAlnum = k;
      }
    }
    for (let k = from; k < to; k++) {
      const c = code[k];
      if (cls[k] !== SYMBOL) this.alnum(c, cls[k], hasLetter, start[k], end[k]);
      else if (!hasLetter) this.separator(start[k], end[k]);
      else if (c === AT) this.char(LETTER_A, 0, start[k], end[k]);
      else if (c === DOLLAR) this.char(LETTER_S, 0, start[k], end[k]);
      else if (k < firstAlnum || k > lastAlnum) this.separator(start[k], end[k]);
      else if (c === BANG) this.char(LETTER_I, 0, start[k], end[k]);
      else if (c === PIPE) this.char(LETTER_I, MAY_ALSO_BE_L, start[k], end[k]);
      else this.char(STAR, ANY_LETTER, start[k], end[k]);
    }
  }

  /** Emits a letter, or a digit: read as a letter in a word that has letters (sh1t), not in "2019". */
  private alnum(c: number, cls: number, hasLetter: boolean, start: number, end: number): void {
    const leet = cls === DIGIT && hasLetter && c < 128 ? LEET_DIGITS[c] : 0;
    if (leet === 0) this.char(c, 0, start, end);
    else this.char(leet, c === DIGIT_ONE ? MAY_ALSO_BE_L : 0, start, end);
  }

  /** Separators between words become one space; leading and trailing ones are dropped. */
  private separator(start: number, end: number): void {
    if (this.gapStart < 0) this.gapStart = start;
    this.gapEnd = end;
  }

  /** Writes the pending separators as one space, unless nothing precedes them. */
  private flushGap(): void {
    if (this.gapStart < 0) return;
    if (this.out.length > 0) this.put(SPACE, 0, this.gapStart, this.gapEnd);
    this.gapStart = -1;
  }

  private char(code: number, flags: number, start: number, end: number): void {
    this.flushGap();
    this.put(code, flags, start, end);
  }

  private put(code: number, flags: number, start: number, end: number): void {
    const out = this.out;
    const at = out.length++;
    out.code[at] = code;
    out.mark[at] = flags;
    out.start[at] = start;
    out.end[at] = end;
  }
}

/** A one-letter token: a letter unit between separators. */
function isLoneLetter(k: number): boolean {
  const { mark: cls, length } = units;
  return cls[k] === LETTER && (k === 0 || cls[k - 1] === SEPARATOR) && (k + 1 >= length || cls[k + 1] === SEPARATOR);
}

/**
 * The end (exclusive unit index) of a run of at least MIN_SPACED_LETTERS single letters that
 * starts at `at`, each separated from the next by the same single spacer; -1 when there is none.
 */
function spacedLettersEnd(at: number): number {
  const { code, length } = units;
  if (!isLoneLetter(at) || at + 2 >= length || !LETTER_SPACERS.has(code[at + 1])) return -1;
  const spacer = code[at + 1];
  let letters = 1;
  let last = at;
  while (last + 2 < length && code[last + 1] === spacer && isLoneLetter(last + 2)) {
    last += 2;
    letters++;
  }
  return letters >= MIN_SPACED_LETTERS ? last + 1 : -1;
}

const shared = new Normaliser();

/** The normalised text of `body`, with arrays of its own. */
export function normalise(body: string): NormalisedText {
  return shared.run(body).detached();
}
