import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The id of the request that started a change, carried to the deliveries it causes. */
export class CorrelationIds1764400000000 implements MigrationInterface {
  name = 'CorrelationIds1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox ADD COLUMN correlation_id text`);
    await db.query(`ALTER TABLE webhook_deliveries ADD COLUMN correlation_id text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_deliveries DROP COLUMN correlation_id`);
    await db.query(`ALTER TABLE outbox DROP COLUMN correlation_id`);
  }
}
