import type { EntityManager } from 'typeorm';
import type { DecisionAction } from '#app/database';

/** The per-comment events a site can subscribe to, by the action decided. */
export const COMMENT_EVENTS: Record<DecisionAction, string> = {
  approve: 'comment.approved',
  hold: 'comment.held',
  reject: 'comment.rejected',
};
export const THREAD_EVENT = 'thread.updated';
export const WEBHOOK_EVENTS = [THREAD_EVENT, ...Object.values(COMMENT_EVENTS)] as const;

/**
 * Only sites whose webhook takes the event get outbox rows: the others pull (and the thread
 * version still grows for their ETags), so nothing is written per decision for nobody.
 */
const SUBSCRIBED = (siteId: string, event: string) =>
  `EXISTS (SELECT 1 FROM site_webhooks w WHERE w.site_id = ${siteId} AND ${event} = ANY(w.events))`;

/**
 * The WITH-clauses that announce changes a statement made to comments, to append to that
 * statement's own WITH list, so the changes and their announcements commit together (a crash can
 * lose neither without the other; the worker's relay queues the deliveries). `changed` names a
 * relation of the statement with one row per changed comment:
 *
 * - id, site_id, article_id, author_id, external_id, parent_external_id, status, revision: the
 *   comment as it is after the change;
 * - event_type: the per-comment event to announce (a COMMENT_EVENTS value), or NULL for none;
 * - reasons: the reasons of the decision the event announces;
 * - thread_changed: whether what readers see of the article changed (the comment is or was published);
 * - correlation_id: the request behind the change.
 *
 * Each article's thread version grows by the number of its changes. One thread row per article
 * is enough: the relay makes one thread job per article (and coalescing window) of all its rows.
 */
export function announcements(changed: string): string {
  return `
  comment_events AS (
    INSERT INTO outbox (site_id, article_id, comment_id, event_type, correlation_id, payload)
    SELECT c.site_id, c.article_id, c.id, c.event_type, c.correlation_id,
           json_build_object('id', c.id, 'externalId', c.external_id, 'articleId', a.external_id,
                             'parentId', c.parent_external_id, 'status', c.status, 'revision', c.revision,
                             'author', json_build_object('id', au.external_id, 'name', au.display_name),
                             'reasons', c.reasons)
      FROM ${changed} c JOIN articles a ON a.id = c.article_id JOIN authors au ON au.id = c.author_id
     WHERE c.event_type IS NOT NULL AND ${SUBSCRIBED('c.site_id', 'c.event_type')}
    RETURNING id),
  thread_changes AS (
    SELECT article_id, count(*)::int AS changes, (array_agg(id))[1] AS comment_id, min(correlation_id) AS correlation_id
      FROM ${changed} WHERE thread_changed GROUP BY article_id),
  -- Every transaction locks comments, then authors (whose comment counts a trigger keeps, at the
  -- end of the statement that changed their comments), then articles. Authors whose counts this
  -- statement changes are locked here first, so its trigger does not lock them after the articles.
  locked_authors AS (
    SELECT au.id FROM authors au WHERE au.id IN (SELECT author_id FROM ${changed} WHERE status IN ('approved', 'rejected'))
     ORDER BY au.site_id, au.external_id FOR NO KEY UPDATE OF au),
  -- Locked before any is updated, so statements changing the same articles queue up instead of
  -- deadlocking (the counts below are evaluated once, before the update's first row). Authors and
  -- articles are locked in the order ingest's upserts lock them: by site, then external id.
  -- NO KEY UPDATE, as the update itself takes: it lets the foreign-key checks of comments being
  -- stored on these articles meanwhile go ahead.
  locked_articles AS (
    SELECT a.id FROM articles a JOIN thread_changes t ON t.article_id = a.id
     WHERE (SELECT count(*) FROM locked_authors) >= 0
     ORDER BY a.site_id, a.external_id FOR NO KEY UPDATE OF a),
  thread_versions AS (
    UPDATE articles a SET thread_version = a.thread_version + t.changes
      FROM thread_changes t
     WHERE a.id = t.article_id AND (SELECT count(*) FROM locked_articles) > 0
    RETURNING a.id, a.site_id, t.comment_id, t.correlation_id),
  thread_events AS (
    INSERT INTO outbox (site_id, article_id, comment_id, event_type, correlation_id)
    SELECT v.site_id, v.id, v.comment_id, '${THREAD_EVENT}', v.correlation_id FROM thread_versions v
     WHERE ${SUBSCRIBED('v.site_id', `'${THREAD_EVENT}'`)}
    RETURNING id)`;
}

/**
 * Announces, in the caller's transaction, a change already made to one comment: its event when
 * `eventType` is given (with the reasons of its latest decision), and a thread change when what
 * readers see of its article changed.
 */
async function announce(
  tx: EntityManager,
  commentId: string,
  eventType: string | null,
  threadChanged: boolean,
  correlationId: string | null,
): Promise<void> {
  await tx.query(
    `WITH changed AS (
       SELECT c.id, c.site_id, c.article_id, c.author_id, c.external_id, c.parent_external_id, c.status, c.revision,
              $2::text AS event_type, $3::boolean AS thread_changed, $4::text AS correlation_id,
              (SELECT d.reasons FROM decisions d WHERE d.comment_id = c.id ORDER BY d.id DESC LIMIT 1) AS reasons
         FROM comments c WHERE c.id = $1),
     ${announcements('changed')}
     SELECT 1`,
    [commentId, eventType, threadChanged, correlationId],
  );
}

/** What readers see of a comment's article changed (a published comment withdrawn, say): its thread version grows, and the site is told. */
export function recordThreadChange(tx: EntityManager, commentId: string, correlationId: string | null = null): Promise<void> {
  return announce(tx, commentId, null, true, correlationId);
}

/**
 * After a decision changed a comment's status: the event always, and a thread change when the
 * comment is or was visible (`wasPublished`: it had a published revision before).
 */
export function announceDecision(
  tx: EntityManager,
  commentId: string,
  action: DecisionAction,
  wasPublished: boolean,
  correlationId: string | null = null,
): Promise<void> {
  return announce(tx, commentId, COMMENT_EVENTS[action], action === 'approve' || wasPublished, correlationId);
}
