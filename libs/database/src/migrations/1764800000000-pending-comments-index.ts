import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The reconciler looks for comments pending for a while: a small partial index, not a table scan. */
export class PendingCommentsIndex1764800000000 implements MigrationInterface {
  name = 'PendingCommentsIndex1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX comments_pending_idx ON comments (updated_at) WHERE status = 'pending'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX comments_pending_idx`);
  }
}
