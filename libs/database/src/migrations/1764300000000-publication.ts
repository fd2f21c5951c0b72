import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Publishing approved threads: a version per article thread that only grows, each site's webhook
 * (with the previous secret kept through a rotation's overlap), the transactional outbox, and the
 * record of every delivery and attempt.
 */
export class Publication1764300000000 implements MigrationInterface {
  name = 'Publication1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE articles ADD COLUMN thread_version bigint NOT NULL DEFAULT 0`);
    await db.query(`
      CREATE TABLE site_webhooks (
        site_id uuid PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        url text NOT NULL,
        events text[] NOT NULL,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Written in the same transaction as the change it announces; the relay moves rows to the queue.
    await db.query(`
      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        article_id uuid NOT NULL,
        comment_id uuid,
        event_type text NOT NULL,
        payload jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        event_type text NOT NULL,
        article_id uuid,
        thread_version bigint,
        url text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'superseded')),
        attempts int NOT NULL DEFAULT 0,
        last_status_code int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await db.query(`CREATE INDEX webhook_deliveries_site_idx ON webhook_deliveries (site_id, created_at DESC)`);
    await db.query(`CREATE INDEX webhook_deliveries_article_idx ON webhook_deliveries (article_id, thread_version)`);
    await db.query(`
      CREATE TABLE webhook_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code int,
        latency_ms int NOT NULL,
        error text
      )`);
    await db.query(`CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE webhook_attempts, webhook_deliveries, outbox, site_webhooks`);
    await db.query(`ALTER TABLE articles DROP COLUMN thread_version`);
  }
}
