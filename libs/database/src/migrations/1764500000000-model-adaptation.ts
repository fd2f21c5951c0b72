import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Learning from moderators: each site's adaptation of the built-in models (never the models
 * themselves), the moderator decisions waiting to be learned from, and the site setting that
 * turns learning off.
 */
export class ModelAdaptation1764500000000 implements MigrationInterface {
  name = 'ModelAdaptation1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sites ADD COLUMN learn_from_moderators boolean NOT NULL DEFAULT true`);
    // Grows with every learned batch; workers compare it to reload a site's adaptation.
    await db.query(`ALTER TABLE sites ADD COLUMN adaptation_revision int NOT NULL DEFAULT 0`);
    await db.query(`
      CREATE TABLE site_model_adaptations (
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        model text NOT NULL,
        state text NOT NULL,
        examples int NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, model)
      )`);
    await db.query(`
      CREATE TABLE learning_examples (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        comment_id uuid NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        comment_revision int NOT NULL,
        labels jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE learning_examples, site_model_adaptations`);
    await db.query(`ALTER TABLE sites DROP COLUMN adaptation_revision, DROP COLUMN learn_from_moderators`);
  }
}
