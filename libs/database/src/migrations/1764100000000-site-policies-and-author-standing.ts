import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versioned moderation policies per site (each change kept with who made it and when), and an
 * author's standing (trusted, banned, always held) that the engine's author phase reads.
 */
export class SitePoliciesAndAuthorStanding1764100000000 implements MigrationInterface {
  name = 'SitePoliciesAndAuthorStanding1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE site_policies (
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        version int NOT NULL,
        policy jsonb NOT NULL,
        changed_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, version)
      )`);
    await db.query(`
      ALTER TABLE authors
        ADD COLUMN trust text CHECK (trust IN ('trusted', 'banned', 'always_hold')),
        ADD COLUMN trust_reason text,
        ADD COLUMN trust_changed_by text,
        ADD COLUMN trust_changed_at timestamptz`);
    // The author phase reads an author's recent decisions.
    await db.query(`CREATE INDEX comments_author_idx ON comments (author_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX comments_author_idx`);
    await db.query(`ALTER TABLE authors DROP COLUMN trust, DROP COLUMN trust_reason, DROP COLUMN trust_changed_by, DROP COLUMN trust_changed_at`);
    await db.query(`DROP TABLE site_policies`);
  }
}
