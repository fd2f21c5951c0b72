// Comment text with the engine's reason spans marked, and small formatting helpers.
import { h } from './dom.js';

const KNOWN_CATEGORIES = new Set([
  'profanity', 'insult', 'identity_attack', 'threat', 'sexual', 'self_harm', 'spam', 'length', 'policy', 'reports',
]);

/** A class name for a category, only from the known list (the category is data, not markup). */
export function categoryClass(category) {
  return KNOWN_CATEGORIES.has(category) ? `cat-${category}` : 'cat-other';
}

export function humanize(code) {
  return String(code ?? '').replace(/[_.]+/g, ' ').trim();
}

/**
 * The body as a fragment of text nodes and <mark> elements. Spans are UTF-16 offsets into the
 * body as typed, which is what String#slice counts. Overlapping spans split into segments, each
 * marked with every reason that covers it.
 */
export function highlightedBody(body, reasons) {
  const text = String(body ?? '');
  const length = text.length;
  const ranges = [];
  for (const reason of reasons ?? []) {
    for (const span of reason?.spans ?? []) {
      const start = clamp(Number(span?.start), length);
      const end = clamp(Number(span?.end), length);
      if (end > start) ranges.push({ start, end, reason });
    }
  }
  const fragment = document.createDocumentFragment();
  if (!ranges.length) {
    fragment.append(document.createTextNode(text));
    return fragment;
  }
  const points = [...new Set([0, length, ...ranges.flatMap((r) => [r.start, r.end])])].sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const from = points[i];
    const to = points[i + 1];
    const piece = text.slice(from, to);
    const covering = ranges.filter((r) => r.start <= from && r.end >= to);
    if (!covering.length) {
      fragment.append(document.createTextNode(piece));
      continue;
    }
    const messages = [...new Set(covering.map((r) => r.reason.message || humanize(r.reason.code)))];
    fragment.append(
      h('mark', {
        class: ['reason-mark', categoryClass(covering[0].reason.category)],
        title: messages.join('\n'),
        dataset: { codes: [...new Set(covering.map((r) => r.reason.code))].join(' ') },
        text: piece,
      }),
    );
  }
  return fragment;
}

function clamp(n, length) {
  if (!Number.isFinite(n)) return 0;
  return Math.max(0, Math.min(length, Math.trunc(n)));
}

/** Only absolute http(s) URLs become links; anything else (javascript:, data:, relative) is text. */
export function safeHttpUrl(raw) {
  if (typeof raw !== 'string' || !raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatClock(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : clock.format(date);
}

export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateTime.format(date);
}

export function formatAgo(iso, now = Date.now()) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  if (days < 30) return `${days} d ago`;
  return formatDateTime(iso);
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function accountAge(days) {
  if (days === null || days === undefined) return 'account age unknown';
  if (days < 1) return 'account under a day old';
  if (days < 60) return `account ${plural(Math.floor(days), 'day')} old`;
  if (days < 730) return `account ${plural(Math.floor(days / 30), 'month')} old`;
  return `account ${plural(Math.floor(days / 365), 'year')} old`;
}

export const TRUST_LABELS = { trusted: 'Trusted', banned: 'Banned', always_hold: 'Always hold' };
