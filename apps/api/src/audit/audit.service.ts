import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { invalidCursor, isBigintId } from '../common/cursor.js';

export interface AuditRecord {
  siteId: string | null;
  actor: string;
  actorName: string;
  /** What was done, e.g. `comment.reject`, `author.ban`, `moderator.create`. */
  action: string;
  subjectType: 'comment' | 'author' | 'moderator';
  subjectId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface AuditEntry extends AuditRecord {
  id: string;
  at: Date;
}

export interface AuditQuery {
  commentId?: string;
  authorId?: string;
  actor?: string;
  cursor?: string;
  limit?: number;
}

/** Every action a person takes, who, what, when, before → after and why. Appended, never changed. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Written in the caller's transaction, so an action and its record stand or fall together. */
  async record(tx: EntityManager, entry: AuditRecord): Promise<void> {
    await tx.query(
      `INSERT INTO audit_log (site_id, actor, actor_name, action, subject_type, subject_id, before, after, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.siteId,
        entry.actor,
        entry.actorName,
        entry.action,
        entry.subjectType,
        entry.subjectId,
        JSON.stringify(entry.before ?? null),
        JSON.stringify(entry.after ?? null),
        entry.reason,
      ],
    );
  }

  /** Newest first, limited to the given sites (null: all). */
  async query(siteIds: string[] | null, filters: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const limit = filters.limit ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(sql(params.length));
    };
    if (siteIds) add((n) => `site_id = ANY($${n}::uuid[])`, siteIds);
    if (filters.commentId) add((n) => `subject_type = 'comment' AND subject_id = $${n}`, filters.commentId);
    if (filters.authorId) {
      // An author's trail: actions on the author, and on each of their comments.
      add((n) => `((subject_type = 'author' AND subject_id = $${n}) OR (subject_type = 'comment' AND subject_id IN (SELECT id::text FROM comments WHERE author_id = $${n}::uuid)))`, filters.authorId);
    }
    if (filters.actor) add((n) => `actor = $${n}`, filters.actor);
    if (filters.cursor) {
      if (!isBigintId(filters.cursor)) throw invalidCursor();
      add((n) => `id < $${n}`, filters.cursor);
    }
    params.push(limit + 1);
    const rows: AuditEntry[] = await this.dataSource.query(
      `SELECT id::text, created_at AS at, site_id AS "siteId", actor, actor_name AS "actorName", action,
              subject_type AS "subjectType", subject_id AS "subjectId", before, after, reason
         FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    return { items: page, nextCursor: rows.length > limit ? page[page.length - 1].id : null };
  }
}
