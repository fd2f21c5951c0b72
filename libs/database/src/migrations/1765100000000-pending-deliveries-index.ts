import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The reconciler looks for deliveries pending for a while: a small partial index, not a table scan. */
export class PendingDeliveriesIndex1765100000000 implements MigrationInterface {
  name = 'PendingDeliveriesIndex1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (updated_at) WHERE status = 'pending'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX webhook_deliveries_pending_idx`);
  }
}
