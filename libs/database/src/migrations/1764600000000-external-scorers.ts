import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A site's own model server, asked for scores on every comment it sends. */
export class ExternalScorers1764600000000 implements MigrationInterface {
  name = 'ExternalScorers1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE site_external_scorers (
        site_id uuid PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        url text NOT NULL,
        secret text NOT NULL,
        timeout_ms int NOT NULL CHECK (timeout_ms BETWEEN 10 AND 30000),
        failure_mode text NOT NULL CHECK (failure_mode IN ('open', 'closed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE site_external_scorers`);
  }
}
