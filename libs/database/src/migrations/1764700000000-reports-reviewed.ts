import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many of a comment's reports a moderator has seen: a decision settles the reports made so
 * far, and only new ones bring the comment back to the reported queue.
 */
export class ReportsReviewed1764700000000 implements MigrationInterface {
  name = 'ReportsReviewed1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE comments ADD COLUMN reports_reviewed int NOT NULL DEFAULT 0`);
    await db.query(`DROP INDEX comments_reported_idx`);
    await db.query(`CREATE INDEX comments_reported_idx ON comments (site_id, created_at) WHERE report_count > reports_reviewed`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX comments_reported_idx`);
    await db.query(`CREATE INDEX comments_reported_idx ON comments (site_id, created_at) WHERE report_count > 0`);
    await db.query(`ALTER TABLE comments DROP COLUMN reports_reviewed`);
  }
}
