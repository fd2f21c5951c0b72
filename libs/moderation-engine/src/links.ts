import { parse } from 'tldts';

export interface Link {
  /** Offsets of the link in the body. */
  start: number;
  end: number;
  text: string;
  /** Lower case, without a trailing dot. */
  hostname: string;
}

/*
 * A link is either written with a scheme or "www.", or is a bare host name (bit.ly/x,
 * evil.co.uk). The label and label-count bounds keep the scan linear on hostile input such as
 * "a.a.a.a…" or "a-a-a-a…".
 */
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,24}\b(?:\/[^\s<>"'`]*)?/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/u;
const UPPER_CASE_START = /^[A-Z]/u;

/**
 * A bare host name is only taken for a link when a path follows it or its top-level domain is
 * one that links are commonly written with: with hundreds of top-level domains, most run-on
 * sentences ("a dream.love it", "for her.my mother") would otherwise be links.
 */
const BARE_LINK_TLDS = new Set(
  ('com net org info biz edu gov io co ly gl gd cc to me tv ai gg xyz online site top club shop app dev ' +
    'ru cn uk de fr nl eu us ca au in br es pl ua tk ml ga cf gq').split(' '),
);

const isAsciiAlnum = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);

/** Every link has a dot between two letters or digits; most comments have none, and skip the scan. */
function mayHaveLinks(body: string): boolean {
  for (let dot = body.indexOf('.'); dot >= 0; dot = body.indexOf('.', dot + 1)) {
    if (dot > 0 && isAsciiAlnum(body.charCodeAt(dot - 1)) && isAsciiAlnum(body.charCodeAt(dot + 1))) return true;
  }
  return false;
}

export function findLinks(body: string): Link[] {
  const links: Link[] = [];
  if (!mayHaveLinks(body)) return links;
  for (const match of body.matchAll(LINK)) {
    const text = match[0].replace(TRAILING_PUNCTUATION, '');
    const start = match.index;
    // "john@example.com" is an e-mail address, not a link.
    if (start > 0 && body[start - 1] === '@') continue;
    const parsed = parse(text);
    const hostname = parsed.hostname?.replace(/\.$/u, '');
    if (!hostname) continue;
    const bare = !/^(?:https?:\/\/|www\.)/iu.test(text);
    if (bare) {
      // "said.It was" is a missing space after a full stop, not a link to said.it.
      const afterFirstDot = text.slice(text.indexOf('.') + 1);
      const likelyLink = text.includes('/') || BARE_LINK_TLDS.has(parsed.publicSuffix?.split('.').at(-1) ?? '');
      if (!parsed.isIcann || parsed.domain === null || UPPER_CASE_START.test(afterFirstDot) || !likelyLink) continue;
    }
    links.push({ start, end: start + text.length, text, hostname });
  }
  return links;
}

/** Why `entry` cannot be used as a domain in a list, or undefined when it can. */
export function domainProblem(entry: string): string | undefined {
  const parsed = parse(entry);
  if (/[\s/:@]/u.test(entry) || parsed.hostname !== entry.toLowerCase().replace(/\.$/u, '')) {
    return 'must be a bare domain name such as example.com';
  }
  if (parsed.isIp) return undefined;
  if (parsed.domain === null || !parsed.isIcann) {
    return 'must be a registrable domain (a public suffix such as co.uk would cover every site under it)';
  }
  return undefined;
}

/** A set of domains in which a host name is found when it is a listed domain or under one. */
export class DomainSet {
  private readonly domains: ReadonlySet<string>;

  constructor(domains: readonly string[]) {
    this.domains = new Set(domains.map((domain) => domain.toLowerCase().replace(/\.$/u, '')));
  }

  get size(): number {
    return this.domains.size;
  }

  has(hostname: string): boolean {
    // Walking up the labels costs a few lookups, whatever the size of the list. Entries are
    // registrable domains or below (see domainProblem), so walking past them to the public
    // suffix finds nothing.
    for (let host = hostname; host.length > 0; ) {
      if (this.domains.has(host)) return true;
      const dot = host.indexOf('.');
      if (dot < 0) return false;
      host = host.slice(dot + 1);
    }
    return false;
  }
}
