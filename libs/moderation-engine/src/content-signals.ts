import type { Span } from './types.js';

/*
 * Scanners for the content-based spam signals. Each is one linear pass over the body (or over
 * the candidates a cheap test found), since they run on every comment.
 */

function spanAt(body: string, start: number, end: number): Span {
  return { start, end, text: body.slice(start, end) };
}

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const isAsciiAlnum = (code: number): boolean =>
  isDigit(code) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

/** Characters that may separate the digit groups of a phone number: space - . / and brackets. */
const PHONE_SEPARATORS = new Set([0x20, 0x2d, 0x2e, 0x2f, 0x28, 0x29]);
const PLUS = 0x2b;
const OPEN_BRACKET = 0x28;
const CLOSE_BRACKET = 0x29;

/** The digit groups of a number starting at `from`, and the offset after its last digit. */
function readDigitGroups(body: string, from: number): { groups: number[]; end: number } {
  const groups: number[] = [];
  let inGroup = 0;
  let end = from;
  let afterSeparator = false;
  for (let j = body.charCodeAt(from) === PLUS ? from + 1 : from; j < body.length; j++) {
    const code = body.charCodeAt(j);
    if (isDigit(code)) {
      inGroup++;
      end = j + 1;
      afterSeparator = false;
      continue;
    }
    const bracket = code === OPEN_BRACKET || code === CLOSE_BRACKET;
    // One separator between groups, though a bracket may touch one: "(555) 123-4567".
    if (!PHONE_SEPARATORS.has(code) || (afterSeparator && !bracket)) break;
    if (inGroup > 0) groups.push(inGroup);
    inGroup = 0;
    if (!bracket) afterSeparator = true;
  }
  if (inGroup > 0) groups.push(inGroup);
  return { groups, end };
}

/**
 * Phone numbers: 10 to 15 digits (8 to 15 after a "+") in at most 5 groups separated by single
 * spaces, dashes, dots, slashes or brackets. Numbers grouped in thousands ("500 000 000") and
 * runs of years ("1990 2000 2010") are not phone numbers.
 */
export function findPhoneNumbers(body: string): Span[] {
  const found: Span[] = [];
  for (let i = 0; i < body.length; ) {
    const code = body.charCodeAt(i);
    const canStart = isDigit(code) || code === PLUS || code === OPEN_BRACKET;
    if (!canStart || (i > 0 && isAsciiAlnum(body.charCodeAt(i - 1)))) {
      i++;
      continue;
    }
    const { groups, end } = readDigitGroups(body, i);
    const glued = end < body.length && isAsciiAlnum(body.charCodeAt(end));
    if (!glued && isPhoneShaped(groups, code === PLUS)) found.push(spanAt(body, i, end));
    i = Math.max(i + 1, end);
  }
  return found;
}

function isPhoneShaped(groups: readonly number[], international: boolean): boolean {
  const digits = groups.reduce((sum, group) => sum + group, 0);
  if (digits > 15 || digits < (international ? 8 : 10) || groups.length > 5) return false;
  const thousands = groups.length > 1 && groups[0] <= 3 && groups.slice(1).every((group) => group === 3);
  const years = groups.length > 2 && groups.every((group) => group === 4);
  return international || (!thousands && !years);
}

const EMAIL_LOCAL = /[A-Za-z0-9._%+-]/u;
const EMAIL_DOMAIN = /[A-Za-z0-9.-]/u;
const EMAIL_TLD = /\.[A-Za-z]{2,24}$/u;

/** E-mail addresses, found from their "@" outwards. */
export function findEmails(body: string): Span[] {
  const found: Span[] = [];
  for (let at = body.indexOf('@'); at >= 0; at = body.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && EMAIL_LOCAL.test(body[start - 1])) start--;
    let end = at + 1;
    while (end < body.length && EMAIL_DOMAIN.test(body[end])) end++;
    while (end > at + 1 && body[end - 1] === '.') end--;
    if (start < at && EMAIL_TLD.test(body.slice(at + 1, end))) found.push(spanAt(body, start, end));
  }
  return found;
}

const ETHEREUM = /^0x[0-9a-fA-F]{40}$/u;
const BITCOIN_BECH32 = /^(?:bc1|tb1)[02-9ac-hj-np-z]{11,71}$/u;
const BITCOIN_BASE58 = /^[13][1-9A-HJ-NP-Za-km-z]{25,34}$/u;
const HAS_UPPER = /[A-Z]/u;
const HAS_LOWER = /[a-z]/u;

function isCryptoAddress(token: string): boolean {
  if (ETHEREUM.test(token) || BITCOIN_BECH32.test(token)) return true;
  // Base58 addresses mix cases; a long all-lower or all-upper token is something else.
  return BITCOIN_BASE58.test(token) && HAS_UPPER.test(token) && HAS_LOWER.test(token);
}

/** Bitcoin (base58 and bech32) and Ethereum addresses. */
export function findCryptoAddresses(body: string): Span[] {
  const found: Span[] = [];
  for (let i = 0; i < body.length; ) {
    if (!isAsciiAlnum(body.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < body.length && isAsciiAlnum(body.charCodeAt(j))) j++;
    // Shortest: base58 (26); longest: bech32 (74).
    if (j - i >= 26 && j - i <= 74 && isCryptoAddress(body.slice(i, j))) found.push(spanAt(body, i, j));
    i = j;
  }
  return found;
}

/** "earn $500", "make 1000 dollars a day", "win £1000". */
const MONEY_PROMISE =
  /\b(?:earn|earning|make|making|win|won)\s+(?:up\s+to\s+)?(?:[$£€]\s?\d[\d,.]{0,12}|\d[\d,.]{0,12}\s?(?:[$£€]|usd|dollars|euros|pounds)(?![a-z]))/gi;

/** Every money promise names a currency; most comments do not, and skip the scan. */
const CURRENCY = /[$£€]|usd|dollar|euro|pound/i;

export function findMoneyPromises(body: string): Span[] {
  if (!CURRENCY.test(body)) return [];
  return Array.from(body.matchAll(MONEY_PROMISE), (match) => spanAt(body, match.index, match.index + match[0].length));
}
