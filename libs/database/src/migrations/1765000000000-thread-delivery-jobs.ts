import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The thread job that stored a delivery, so a retry of a job that crashed after storing its
 * delivery, before noting it on the job, finds that delivery instead of storing a second one.
 */
export class ThreadDeliveryJobs1765000000000 implements MigrationInterface {
  name = 'ThreadDeliveryJobs1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_deliveries ADD COLUMN job_key text`);
    await db.query(`CREATE UNIQUE INDEX webhook_deliveries_job_key_idx ON webhook_deliveries (job_key) WHERE job_key IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_deliveries DROP COLUMN job_key`);
  }
}
