import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { STATUS_AFTER } from '#app/database';
import { ENGINE_VERSION, ModerationEngine, type Verdict } from '#app/moderation-engine';
import type { ModerateJob } from '#app/queue';

interface CommentToCheck {
  id: string;
  body: string;
  status: string;
  revision: number;
  author_id: string;
  author_name: string;
  article_id: string;
  article_title: string | null;
  article_url: string | null;
  is_reply: boolean;
}

export type ModerationOutcome = 'decided' | 'already-decided' | 'gone';

@Injectable()
export class ModerationService {
  private readonly logger = new Logger(ModerationService.name);
  private readonly engine = new ModerationEngine();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Checks one revision of a comment and records the verdict. Safe to run again for the same job:
   * the unique index on (comment, revision) for system decisions keeps it to one decision.
   */
  async moderate(job: ModerateJob): Promise<ModerationOutcome> {
    const [comment]: CommentToCheck[] = await this.dataSource.query(
      `SELECT c.id, c.body, c.status, c.revision, au.external_id AS author_id, au.display_name AS author_name,
              a.external_id AS article_id, a.title AS article_title, a.url AS article_url,
              c.parent_external_id IS NOT NULL AS is_reply
         FROM comments c JOIN authors au ON au.id = c.author_id JOIN articles a ON a.id = c.article_id
        WHERE c.id = $1`,
      [job.commentId],
    );
    if (!comment) return 'gone';
    if (comment.revision !== job.revision || comment.status !== 'pending') return 'already-decided';

    const verdict = this.engine.evaluate({
      body: comment.body,
      author: { id: comment.author_id, name: comment.author_name },
      article: { id: comment.article_id, title: comment.article_title ?? undefined, url: comment.article_url ?? undefined },
      isReply: comment.is_reply,
    });
    const written = await this.record(comment, verdict);
    if (written) this.logger.debug(`comment ${comment.id} r${comment.revision}: ${verdict.action}`);
    return written ? 'decided' : 'already-decided';
  }

  /** The decision and the new status in one transaction; nothing when this check was recorded before. */
  private record(comment: CommentToCheck, verdict: Verdict): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO decisions (comment_id, comment_revision, action, decided_by, kind, reasons, scores, phases, engine_version)
         VALUES ($1, $2, $3, 'system', 'check', $4, $5, $6, $7)
         ON CONFLICT (comment_id, comment_revision) WHERE kind = 'check' DO NOTHING
         RETURNING id`,
        [
          comment.id,
          comment.revision,
          verdict.action,
          JSON.stringify(verdict.reasons),
          JSON.stringify(verdict.scores),
          JSON.stringify(verdict.phases),
          verdict.engineVersion ?? ENGINE_VERSION,
        ],
      );
      if (inserted.length === 0) return false;
      // An approved revision becomes the published one; a held or rejected edit takes the comment
      // down until a moderator approves it (the published version is never one nobody checked).
      await tx.query(
        `UPDATE comments
            SET status = $1, updated_at = now(),
                published_revision = CASE WHEN $1 = 'approved' THEN revision ELSE NULL END
          WHERE id = $2 AND revision = $3 AND status = 'pending'`,
        [STATUS_AFTER[verdict.action], comment.id, comment.revision],
      );
      return true;
    });
  }
}
