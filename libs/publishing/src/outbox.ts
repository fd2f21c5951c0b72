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
 * Announces, in the caller's transaction, that what readers see of a comment's article changed:
 * the article's thread version grows and an outbox row is written. Committed together with the
 * change, so a crash can lose neither without the other; the worker's relay queues the delivery.
 */
export async function recordThreadChange(tx: EntityManager, commentId: string, correlationId: string | null = null): Promise<void> {
  await tx.query(
    `WITH article AS (
       UPDATE articles SET thread_version = thread_version + 1
        WHERE id = (SELECT article_id FROM comments WHERE id = $1)
       RETURNING id, site_id)
     INSERT INTO outbox (site_id, article_id, comment_id, event_type, correlation_id)
     SELECT site_id, id, $1, '${THREAD_EVENT}', $2 FROM article WHERE ${SUBSCRIBED('article.site_id', `'${THREAD_EVENT}'`)}`,
    [commentId, correlationId],
  );
}

/** Announces a decision on a comment (comment.approved, .held, .rejected), with the comment as it is now. */
export async function recordCommentEvent(tx: EntityManager, commentId: string, action: DecisionAction, correlationId: string | null = null): Promise<void> {
  await tx.query(
    `INSERT INTO outbox (site_id, article_id, comment_id, event_type, correlation_id, payload)
     SELECT c.site_id, c.article_id, c.id, $2, $3,
            json_build_object('id', c.id, 'externalId', c.external_id, 'articleId', a.external_id,
                              'parentId', c.parent_external_id, 'status', c.status, 'revision', c.revision,
                              'author', json_build_object('id', au.external_id, 'name', au.display_name),
                              'reasons', (SELECT d.reasons FROM decisions d WHERE d.comment_id = c.id ORDER BY d.id DESC LIMIT 1))
       FROM comments c JOIN articles a ON a.id = c.article_id JOIN authors au ON au.id = c.author_id
      WHERE c.id = $1 AND ${SUBSCRIBED('c.site_id', '$2')}`,
    [commentId, COMMENT_EVENTS[action], correlationId],
  );
}

/**
 * After a decision changed a comment's status: the event always, and a thread change when the
 * comment is or was visible (`wasPublished`: it had a published revision before).
 */
export async function announceDecision(
  tx: EntityManager,
  commentId: string,
  action: DecisionAction,
  wasPublished: boolean,
  correlationId: string | null = null,
): Promise<void> {
  await recordCommentEvent(tx, commentId, action, correlationId);
  if (action === 'approve' || wasPublished) await recordThreadChange(tx, commentId, correlationId);
}
