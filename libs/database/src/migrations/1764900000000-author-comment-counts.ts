import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each author's approved and rejected comments, counted on the author row: the worker read them
 * from the author's 50 latest comments for every check, a heap page per comment and most of the
 * load query's time. Statement-level triggers keep the counts, so every path that changes a
 * status (checks, moderators, bans, edits, withdrawals) keeps them right without knowing.
 *
 * Lock order: a trigger locks the authors whose counts change at the end of the statement that
 * changed the comments, by site and external id, the order ingest's upsert of authors locks them. Announcing statements (libs/publishing outbox.ts) lock
 * those authors before the articles they lock, so every transaction takes comments, then
 * authors, then articles.
 */
export class AuthorCommentCounts1764900000000 implements MigrationInterface {
  name = 'AuthorCommentCounts1764900000000';

  async up(db: QueryRunner): Promise<void> {
    // No status may change between the count below and the triggers that keep it (until commit).
    await db.query(`LOCK TABLE comments IN SHARE ROW EXCLUSIVE MODE`);
    await db.query(`
      ALTER TABLE authors
        ADD COLUMN approved_comments int NOT NULL DEFAULT 0,
        ADD COLUMN rejected_comments int NOT NULL DEFAULT 0`);
    await db.query(`
      UPDATE authors au
         SET approved_comments = n.approved, rejected_comments = n.rejected
        FROM (SELECT author_id, count(*) FILTER (WHERE status = 'approved')::int AS approved,
                     count(*) FILTER (WHERE status = 'rejected')::int AS rejected
                FROM comments WHERE status IN ('approved', 'rejected') GROUP BY author_id) n
       WHERE au.id = n.author_id`);
    // Transition tables exist per operation: no old rows on INSERT, no new rows on DELETE.
    for (const [operation, rows] of [
      ['INSERT', `SELECT author_id, status, 1 AS sign FROM new_rows`],
      ['UPDATE', `SELECT author_id, status, 1 AS sign FROM new_rows UNION ALL SELECT author_id, status, -1 FROM old_rows`],
      ['DELETE', `SELECT author_id, status, -1 AS sign FROM old_rows`],
    ] as const) {
      const name = `count_author_comments_on_${operation.toLowerCase()}`;
      await db.query(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          WITH delta AS (
            SELECT author_id, sum(sign * (status = 'approved')::int)::int AS approved,
                   sum(sign * (status = 'rejected')::int)::int AS rejected
              FROM (${rows}) r
             WHERE status IN ('approved', 'rejected')
             GROUP BY author_id),
          changed AS (SELECT * FROM delta WHERE approved <> 0 OR rejected <> 0),
          locked AS (
            SELECT au.id FROM authors au JOIN changed c ON c.author_id = au.id
             ORDER BY au.site_id, au.external_id FOR NO KEY UPDATE OF au)
          UPDATE authors au
             SET approved_comments = au.approved_comments + c.approved, rejected_comments = au.rejected_comments + c.rejected
            FROM changed c
           WHERE au.id = c.author_id AND (SELECT count(*) FROM locked) > 0;
          RETURN NULL;
        END $$`);
      const transition = operation === 'INSERT' ? 'NEW TABLE AS new_rows' : operation === 'DELETE' ? 'OLD TABLE AS old_rows' : 'OLD TABLE AS old_rows NEW TABLE AS new_rows';
      await db.query(`CREATE TRIGGER ${name} AFTER ${operation} ON comments REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION ${name}()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const operation of ['insert', 'update', 'delete']) {
      await db.query(`DROP TRIGGER count_author_comments_on_${operation} ON comments`);
      await db.query(`DROP FUNCTION count_author_comments_on_${operation}()`);
    }
    await db.query(`ALTER TABLE authors DROP COLUMN approved_comments, DROP COLUMN rejected_comments`);
  }
}
