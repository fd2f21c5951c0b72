import { html, type SafeHtml } from './html.js';
import type { EventSummary, ThreadComment } from './webhook-events.js';
import type { StoredThread } from './thread-store.js';

/** What every page shows around its content. */
export interface Frame {
  siteName: string;
  /** Link to Threadkeeper's moderation console. */
  consoleUrl: string;
}

export interface ArticleListing {
  id: string;
  title: string;
  thread: StoredThread | undefined;
}

export interface ArticleView {
  title: string;
  /** Paragraphs; empty for an article this site knows only from the webhook. */
  paragraphs: string[];
  thread: StoredThread | undefined;
  events: EventSummary[];
}

/** New comments show without a reload: the page asks again every few seconds (CSP allows meta refresh). */
const REFRESH_SECONDS = 5;

const TIME_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

function time(iso: string): SafeHtml {
  const date = new Date(iso);
  return html`<time datetime="${iso}">${Number.isNaN(date.getTime()) ? iso : TIME_FORMAT.format(date)}</time>`;
}

function articlePath(id: string): string {
  return `/articles/${encodeURIComponent(id)}`;
}

/** Counted without recursion, like the webhook's check of the tree. */
export function countComments(comments: readonly ThreadComment[]): number {
  let count = 0;
  const pending = [...comments];
  while (pending.length > 0) {
    count += 1;
    pending.push(...pending.pop()!.children);
  }
  return count;
}

function page(frame: Frame, title: string, content: SafeHtml, options: { refresh: boolean }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refresh ? html`<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` : ''}
<title>${title} · ${frame.siteName}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/site.css">
</head>
<body>
<header class="masthead">
  <div class="wrap">
    <a class="brand" href="/">${frame.siteName}</a>
    <p class="tagline">A demo article service. Its comments are moderated by Threadkeeper.</p>
  </div>
</header>
<main class="wrap">
${content}
</main>
<footer class="wrap site-footer">
  <p>Comments arrive here by signed webhook from Threadkeeper, which publishes only the approved ones.
  Moderators work in the <a href="${frame.consoleUrl}">Threadkeeper console</a>.</p>
</footer>
</body>
</html>
`.markup;
}

function commentItem(comment: ThreadComment, topLevel: boolean): SafeHtml {
  const detached = topLevel && comment.parentId !== null;
  return html`<li class="comment" id="comment-${comment.externalId}">
  <div class="comment-meta"><span class="comment-author">${comment.author.name}</span> ${time(comment.createdAt)}${
    detached ? html` <span class="comment-note">replying to a comment that is not shown</span>` : ''
  }</div>
  <div class="comment-body">${comment.body}</div>
  ${comment.children.length > 0 ? html`<ol class="replies">${comment.children.map((child) => commentItem(child, false))}</ol>` : ''}
</li>`;
}

const EVENT_LABELS: Record<string, string> = {
  'comment.approved': 'approved',
  'comment.held': 'held',
  'comment.rejected': 'rejected',
};

function activityLog(events: EventSummary[]): SafeHtml {
  const items = events.map((event) => {
    const label = EVENT_LABELS[event.type] ?? event.type;
    return html`<li class="event">
  <span class="badge badge-${label}">${label}</span>
  <span class="event-author">${event.authorName ?? 'unknown author'}</span>
  ${event.commentExternalId ? html`<span class="event-id">${event.commentExternalId}</span>` : ''}
  ${time(event.receivedAt)}
  ${event.reasons.length > 0 ? html`<ul class="event-reasons">${event.reasons.map((reason) => html`<li>${reason}</li>`)}</ul>` : ''}
</li>`;
  });
  return html`<aside class="activity" aria-labelledby="activity-heading">
  <h2 id="activity-heading">Moderation activity</h2>
  <p class="note">For the demo only: the decisions Threadkeeper announced, newest first. A real site would not show these to readers.</p>
  ${items.length > 0 ? html`<ul class="events">${items}</ul>` : html`<p class="empty">No decisions received yet.</p>`}
</aside>`;
}

function threadMeta(thread: StoredThread): SafeHtml {
  return html`Thread version ${thread.threadVersion}, received ${time(thread.receivedAt)}`;
}

export function renderIndexPage(frame: Frame, articles: ArticleListing[], events: EventSummary[]): string {
  const items = articles.map(
    ({ id, title, thread }) => html`<li class="listing">
  <a class="listing-title" href="${articlePath(id)}">${title}</a>
  <p class="listing-meta">${
    thread ? html`${countComments(thread.comments)} published comments · ${threadMeta(thread)}` : 'No comments published yet'
  }</p>
</li>`,
  );
  const content = html`<h1 class="section-heading">Latest news</h1>
${items.length > 0 ? html`<ul class="listings">${items}</ul>` : html`<p class="empty">No articles yet.</p>`}
${activityLog(events)}`;
  return page(frame, 'Latest news', content, { refresh: true });
}

export function renderArticlePage(frame: Frame, article: ArticleView): string {
  const { thread } = article;
  const count = thread ? countComments(thread.comments) : 0;
  const comments = thread && count > 0
    ? html`<p class="thread-meta">${threadMeta(thread)}</p>
<ol class="thread">${thread.comments.map((comment) => commentItem(comment, true))}</ol>`
    : html`<p class="empty">No comments are published yet. They appear here as Threadkeeper approves them${
        thread ? html` (${threadMeta(thread)})` : ''
      }.</p>`;
  const content = html`<article class="story">
  <h1>${article.title}</h1>
  ${article.paragraphs.map((paragraph) => html`<p>${paragraph}</p>`)}
</article>
<section class="comments" aria-labelledby="comments-heading">
  <h2 id="comments-heading">Comments (${count})</h2>
  ${comments}
</section>
${activityLog(article.events)}`;
  return page(frame, article.title, content, { refresh: true });
}

export function renderNotFoundPage(frame: Frame): string {
  const content = html`<h1 class="section-heading">Article not found</h1>
<p>This site has no article by that id, and Threadkeeper has published no comments under it. <a href="/">Back to the latest news</a>.</p>`;
  return page(frame, 'Not found', content, { refresh: false });
}
