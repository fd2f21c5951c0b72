import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Moderator review: moderator accounts and their sessions, claims on comments under review,
 * who made each moderator decision, and the audit log of every action.
 */
export class ModeratorReview1764200000000 implements MigrationInterface {
  name = 'ModeratorReview1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE moderators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('moderator', 'admin')),
        site_ids uuid[] NOT NULL DEFAULT '{}',
        failed_logins int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX moderators_email_idx ON moderators (lower(email))`);
    await db.query(`
      CREATE TABLE moderator_sessions (
        token_hash text PRIMARY KEY,
        moderator_id uuid NOT NULL REFERENCES moderators(id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX moderator_sessions_moderator_idx ON moderator_sessions (moderator_id)`);
    await db.query(`
      CREATE TABLE comment_claims (
        comment_id uuid PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
        actor text NOT NULL,
        actor_name text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    // Who made a moderator's decision: moderator:<id> or key:<id>.
    await db.query(`ALTER TABLE decisions ADD COLUMN actor text`);
    await db.query(`
      CREATE TABLE audit_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id uuid REFERENCES sites(id) ON DELETE CASCADE,
        actor text NOT NULL,
        actor_name text NOT NULL,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        before jsonb,
        after jsonb,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, id)`);
    await db.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor, id)`);
    await db.query(`CREATE INDEX audit_log_site_idx ON audit_log (site_id, id)`);
    // The review queues list a site's comments by status and reports.
    await db.query(`CREATE INDEX comments_reported_idx ON comments (site_id, created_at) WHERE report_count > 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX comments_reported_idx`);
    await db.query(`DROP TABLE audit_log`);
    await db.query(`ALTER TABLE decisions DROP COLUMN actor`);
    await db.query(`DROP TABLE comment_claims, moderator_sessions, moderators`);
  }
}
