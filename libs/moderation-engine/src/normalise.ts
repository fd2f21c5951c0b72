import type { Span } from './types.js';

/**
 * Folding the text an author typed into the text the word lists are matched against, undoing
 * the usual evasions: Unicode compatibility forms (ｆｕｃｋ, 𝐟𝐮𝐜𝐤), accents, case, invisible and
 * zero-width characters, look-alike letters from other scripts (Cyrillic і, Armenian ս),
 * leetspeak (1d10t, sh!t, @ss), masks (f*ck) and spaced or dotted letters (f u c k, f.u.c.k).
 *
 * Stretched letters (fuuuuck) are NOT collapsed here: the term matcher compares run lengths, so
 * "good" and "committee" keep their double letters.
 *
 * Every normalised character remembers the range of the original it came from, so a match in
 * the normalised text points at exactly what the author typed.
 */
export class NormalisedText {
  private decoded?: string;

  constructor(
    readonly original: string,
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
  return normalise(body).text;
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
  if (isInvisible(codePoint)) return { units: '', classes: new Uint8Array(0) };
  const decomposed = String.fromCodePoint(codePoint).normalize('NFKD').replace(COMBINING_DIACRITICS, '');
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
  return { units, classes: Uint8Array.from(classes) };
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

  /** Makes room for `capacity` units, keeping the first `length`. */
  reserve(capacity: number): void {
    if (this.code.length >= capacity) return;
    const grown = Math.max(capacity, this.code.length * 2, 256);
    const code = new Uint16Array(grown);
    const mark = new Uint8Array(grown);
    const start = new Int32Array(grown);
    const end = new Int32Array(grown);
    code.set(this.code.subarray(0, this.length));
    mark.set(this.mark.subarray(0, this.length));
    start.set(this.start.subarray(0, this.length));
    end.set(this.end.subarray(0, this.length));
    this.code = code;
    this.mark = mark;
    this.start = start;
    this.end = end;
  }
}

/** The body folded unit by unit, before tokens are known. */
const units = new UnitArrays();

function foldUnits(body: string): void {
  units.length = 0;
  units.reserve(body.length);
  let { code, mark: cls, start, end } = units;
  let n = 0;
  for (let i = 0; i < body.length; ) {
    const unit = body.charCodeAt(i);
    if (unit < 128) {
      code[n] = ASCII_FOLD[unit];
      cls[n] = ASCII_CLASS[unit];
      start[n] = i;
      end[n++] = ++i;
      continue;
    }
    const codePoint = body.codePointAt(i) ?? unit;
    const width = codePoint > 0xffff ? 2 : 1;
    const folded = foldCached(codePoint);
    // A code point can fold to several units (ß → ss, ﬁ → fi): make room beyond the body length.
    if (n + folded.units.length > code.length - (body.length - i)) {
      units.length = n;
      units.reserve(n + folded.units.length + body.length - i);
      ({ code, mark: cls, start, end } = units);
    }
    for (let k = 0; k < folded.units.length; k++) {
      code[n] = folded.units.charCodeAt(k);
      cls[n] = folded.classes[k];
      start[n] = i;
      end[n++] = i + width;
    }
    i += width;
  }
  units.length = n;
}

/** start and end (4 bytes each), the code unit (2) and the flags (1). */
const BYTES_PER_CHAR = 11;

/**
 * Hands out pieces of shared 1 MiB blocks. Allocating an ArrayBuffer costs V8 microseconds
 * whatever its size, more than normalising a comment; a view on a shared block costs tens of
 * nanoseconds. A block is freed once every result in it is (results live for one evaluation).
 */
class BlockAllocator {
  private static readonly BLOCK_BYTES = 1024 * 1024;
  private block = new ArrayBuffer(BlockAllocator.BLOCK_BYTES);
  private used = 0;

  take(bytes: number): { buffer: ArrayBuffer; offset: number } {
    if (bytes > BlockAllocator.BLOCK_BYTES / 4) return { buffer: new ArrayBuffer(bytes), offset: 0 };
    if (this.used + bytes > BlockAllocator.BLOCK_BYTES) {
      this.block = new ArrayBuffer(BlockAllocator.BLOCK_BYTES);
      this.used = 0;
    }
    const offset = this.used;
    // Keep the next piece's Int32Arrays aligned.
    this.used += Math.ceil(bytes / 8) * 8;
    return { buffer: this.block, offset };
  }
}

const resultBlocks = new BlockAllocator();

/**
 * Writes the normalised text into scratch arrays, turning every run of separators into one
 * space and dropping leading and trailing ones; `finish` copies the result out.
 */
class NormalisedWriter {
  private readonly out = new UnitArrays();
  private gapStart = -1;
  private gapEnd = -1;

  reset(capacity: number): void {
    this.out.length = 0;
    this.out.reserve(capacity);
    this.gapStart = -1;
  }

  separator(start: number, end: number): void {
    if (this.gapStart < 0) this.gapStart = start;
    this.gapEnd = end;
  }

  char(code: number, flags: number, start: number, end: number): void {
    const out = this.out;
    if (this.gapStart >= 0) {
      if (out.length > 0) this.put(SPACE, 0, this.gapStart, this.gapEnd);
      this.gapStart = -1;
    }
    this.put(code, flags, start, end);
  }

  /** The result, copied out of the scratch arrays into a block of its own. */
  finish(original: string): NormalisedText {
    const { length: n, code, mark: flags, start, end } = this.out;
    const { buffer, offset } = resultBlocks.take(n * BYTES_PER_CHAR);
    const result = new NormalisedText(
      original,
      new Uint16Array(buffer, offset + n * 8, n),
      new Int32Array(buffer, offset, n),
      new Int32Array(buffer, offset + n * 4, n),
      new Uint8Array(buffer, offset + n * 10, n),
    );
    result.codes.set(code.subarray(0, n));
    result.start.set(start.subarray(0, n));
    result.end.set(end.subarray(0, n));
    result.flags.set(flags.subarray(0, n));
    return result;
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

const writer = new NormalisedWriter();

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

/**
 * Emits a token with symbols, units [from, to): @ and $ stand for letters anywhere in a word
 * (@ss, a$$); ! | * only between letters or digits, so that "idiot!" and "*sigh*" keep their
 * punctuation; in a token without letters ($500) every symbol is punctuation.
 */
function writeTokenWithSymbols(from: number, to: number, hasLetter: boolean): void {
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
    if (cls[k] !== SYMBOL) writeAlnum(c, cls[k], hasLetter, start[k], end[k]);
    else if (!hasLetter) writer.separator(start[k], end[k]);
    else if (c === AT) writer.char(LETTER_A, 0, start[k], end[k]);
    else if (c === DOLLAR) writer.char(LETTER_S, 0, start[k], end[k]);
    else if (k < firstAlnum || k > lastAlnum) writer.separator(start[k], end[k]);
    else if (c === BANG) writer.char(LETTER_I, 0, start[k], end[k]);
    else if (c === PIPE) writer.char(LETTER_I, MAY_ALSO_BE_L, start[k], end[k]);
    else writer.char(STAR, ANY_LETTER, start[k], end[k]);
  }
}

/** Emits a letter, or a digit: read as a letter in a word that has letters (sh1t), not in "2019". */
function writeAlnum(c: number, cls: number, hasLetter: boolean, start: number, end: number): void {
  const leet = cls === DIGIT && hasLetter && c < 128 ? LEET_DIGITS[c] : 0;
  if (leet === 0) writer.char(c, 0, start, end);
  else writer.char(leet, c === DIGIT_ONE ? MAY_ALSO_BE_L : 0, start, end);
}

export function normalise(body: string): NormalisedText {
  foldUnits(body);
  const { code, mark: cls, start, end, length } = units;
  writer.reset(length);
  for (let at = 0; at < length; ) {
    if (cls[at] === SEPARATOR) {
      writer.separator(start[at], end[at]);
      at++;
      continue;
    }
    let tokenEnd = at;
    let hasLetter = false;
    let hasSymbol = false;
    for (; tokenEnd < length && cls[tokenEnd] !== SEPARATOR; tokenEnd++) {
      if (cls[tokenEnd] === LETTER) hasLetter = true;
      else if (cls[tokenEnd] === SYMBOL) hasSymbol = true;
    }
    if (tokenEnd === at + 1 && hasLetter) {
      const spacedEnd = spacedLettersEnd(at);
      if (spacedEnd >= 0) {
        for (let k = at; k < spacedEnd; k += 2) writer.char(code[k], 0, start[k], end[k]);
        at = spacedEnd;
        continue;
      }
    }
    if (hasSymbol) writeTokenWithSymbols(at, tokenEnd, hasLetter);
    else for (let k = at; k < tokenEnd; k++) writeAlnum(code[k], cls[k], hasLetter, start[k], end[k]);
    at = tokenEnd;
  }
  return writer.finish(body);
}
