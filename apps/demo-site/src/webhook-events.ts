/**
 * The events Threadkeeper delivers, checked after the signature: a signed body is trusted to
 * come from Threadkeeper, not to have the shape this site expects (another version may send
 * more or less), and the pages recurse into the thread.
 */
export const THREAD_UPDATED = 'thread.updated';

export interface ThreadComment {
  /** Threadkeeper's id. */
  id: string;
  externalId: string;
  /** The parent's externalId; kept on a reply shown at the top level because its parent is not published. */
  parentId: string | null;
  author: { id: string; name: string };
  body: string;
  createdAt: string;
  children: ThreadComment[];
}

export interface PublishedThread {
  siteId: string;
  article: { id: string; title: string | null; url: string | null };
  /** Grows with every change of the published thread; only the highest one received counts. */
  threadVersion: number;
  comments: ThreadComment[];
}

/** What the pages show of a per-comment event (comment.approved, .held, .rejected, or one this site does not know). */
export interface EventSummary {
  type: string;
  webhookId: string;
  receivedAt: string;
  articleId: string | null;
  commentExternalId: string | null;
  authorName: string | null;
  status: string | null;
  /** The decision's reasons, as Threadkeeper words them. */
  reasons: string[];
}

/** Deeper reply chains than this are refused: the pages render the tree recursively. */
const MAX_THREAD_DEPTH = 500;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const stringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

function commentProblem(node: unknown, at: string): string | undefined {
  if (!isObject(node)) return `${at} must be an object`;
  for (const key of ['id', 'externalId', 'body', 'createdAt'] as const) {
    if (!isString(node[key])) return `${at}.${key} must be a string`;
  }
  if (!stringOrNull(node.parentId ?? null)) return `${at}.parentId must be a string or null`;
  if (!isObject(node.author) || !isString(node.author.id) || !isString(node.author.name)) return `${at}.author must have a string id and name`;
  if (!Array.isArray(node.children)) return `${at}.children must be an array`;
  return undefined;
}

/** The problem with a thread.updated body's `data`, or undefined when it is a PublishedThread. */
export function threadProblem(data: unknown): string | undefined {
  if (!isObject(data)) return 'data must be an object';
  if (!isString(data.siteId)) return 'data.siteId must be a string';
  const { article } = data;
  if (!isObject(article) || !isString(article.id) || article.id === '') return 'data.article.id must be a non-empty string';
  if (!stringOrNull(article.title ?? null) || !stringOrNull(article.url ?? null)) return 'data.article.title and url must be strings or null';
  if (!Number.isSafeInteger(data.threadVersion) || (data.threadVersion as number) < 0) return 'data.threadVersion must be a whole number';
  if (!Array.isArray(data.comments)) return 'data.comments must be an array';
  // Iterative, so a deep tree cannot overflow the stack before its depth is known.
  const pending: [unknown, string, number][] = data.comments.map((node, index) => [node, `data.comments[${index}]`, 1]);
  while (pending.length > 0) {
    const [node, at, depth] = pending.pop()!;
    if (depth > MAX_THREAD_DEPTH) return `the thread is nested more than ${MAX_THREAD_DEPTH} replies deep`;
    const problem = commentProblem(node, at);
    if (problem) return problem;
    (node as { children: unknown[] }).children.forEach((child, index) => pending.push([child, `${at}.children[${index}]`, depth + 1]));
  }
  return undefined;
}

/** Reads a per-comment event defensively: whatever is missing shows as absent, never as an error. */
export function summariseEvent(type: string, data: unknown, webhookId: string, receivedAt: Date): EventSummary {
  const comment = isObject(data) && isObject(data.comment) ? data.comment : {};
  const text = (value: unknown) => (isString(value) ? value : null);
  const reasons = Array.isArray(comment.reasons) ? comment.reasons : [];
  return {
    type,
    webhookId,
    receivedAt: receivedAt.toISOString(),
    articleId: text(comment.articleId),
    commentExternalId: text(comment.externalId),
    authorName: isObject(comment.author) ? text(comment.author.name) : null,
    status: text(comment.status),
    reasons: reasons.map((reason) => (isObject(reason) ? text(reason.message) : null)).filter((message) => message !== null),
  };
}
