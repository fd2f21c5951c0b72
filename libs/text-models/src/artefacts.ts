/**
 * Pre-cleaning: blanks the parts of a text that say where it was posted rather than what it
 * says. The training data are tweets (`@USER`, `RT @name:`, HTML entities) and Wikipedia talk
 * pages (signatures with `(talk)`, `(UTC)` and time stamps, IP addresses); a model that learnt
 * those would score the platform, not the comment. Links are blanked too and counted instead:
 * their number is a feature, their text is noise.
 *
 * Masking replaces each character with a space, so the cleaned text has the same length as the
 * original and every offset into it is an offset into what the author typed.
 */

interface ArtefactPass {
  /** Cheap test: without this substring the pattern cannot match, and the pass is skipped. */
  readonly needs: readonly string[];
  readonly pattern: RegExp;
  readonly isLink: boolean;
}

/** One pass per kind: most comments have none of them, and a skipped pass costs an `includes`. */
const PASSES: readonly ArtefactPass[] = [
  // A scheme or www., or a bare domain with a common top-level domain, with any path.
  {
    needs: ['.', '/'],
    pattern: /\b(?:https?:\/\/|www\.)\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|co|uk|io|ly|me|tv|us|ru|de)\b(?:\/\S*)?/gi,
    isLink: true,
  },
  // OLID replaced links with the word URL (upper case: "url" is a word).
  { needs: ['URL'], pattern: /\bURL\b/g, isLink: true },
  // Mentions: OLID's @USER, and tweet-style handles (with a digit or an underscore, a colon
  // after them, or after RT). A plain @word is kept: "@ss" is leetspeak, not a mention.
  { needs: ['@'], pattern: /@(?:USER\b|\w*[\d_]\w*:?|\w+:)|(?<=\bRT\s+)@\w+/g, isLink: false },
  { needs: ['RT'], pattern: /\bRT\b/g, isLink: false },
  { needs: ['&'], pattern: /&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, isLink: false },
  // Wikipedia signatures: "(talk) 21:51, January 11, 2016 (UTC)", "12:03, 5 May 2009".
  { needs: ['(talk)', '(UTC)', '(contribs)'], pattern: /\((?:talk|UTC|contribs)\)/g, isLink: false },
  { needs: [':'], pattern: /\b\d{1,2}:\d{2},? (?:\d{1,2} )?[A-Z][a-z]+ (?:\d{1,2}, )?\d{4}\b/g, isLink: false },
  // IP addresses: anonymous Wikipedia editors sign with them.
  { needs: ['.'], pattern: /\b\d{1,3}(?:\.\d{1,3}){3}\b/g, isLink: false },
];

export interface MaskedText {
  /** The text with artefacts replaced by spaces: same length as the original. */
  readonly text: string;
  /** Links found (and blanked). */
  readonly links: number;
  /** True when nothing was masked: `text` is the original. */
  readonly unchanged: boolean;
}

const blank = (match: string): string => ' '.repeat(match.length);

/** The text with the artefacts of its source blanked out (see the module comment). */
export function maskArtefacts(original: string): MaskedText {
  let text = original;
  let links = 0;
  for (const { needs, pattern, isLink } of PASSES) {
    if (!needs.some((part) => text.includes(part))) continue;
    text = text.replace(pattern, (match) => {
      if (isLink) links++;
      return blank(match);
    });
  }
  return { text, links, unchanged: text === original };
}
