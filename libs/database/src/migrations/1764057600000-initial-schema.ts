import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sites, their API keys, articles, authors, comments with their revisions and reader reports, and
 * the append-only decision history.
 */
export class InitialSchema1764057600000 implements MigrationInterface {
  name = 'InitialSchema1764057600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE sites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        slug text NOT NULL UNIQUE,
        max_body_length int NOT NULL DEFAULT 10000 CHECK (max_body_length BETWEEN 1 AND 100000),
        report_threshold int NOT NULL DEFAULT 3 CHECK (report_threshold >= 1),
        store_raw_author_data boolean NOT NULL DEFAULT false,
        rate_limit_per_minute int NOT NULL DEFAULT 1200 CHECK (rate_limit_per_minute >= 1),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL UNIQUE,
        secret_hash text NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX api_keys_site_idx ON api_keys (site_id)`);
    await db.query(`
      CREATE TABLE articles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        title text,
        url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (site_id, external_id)
      )`);
    await db.query(`
      CREATE TABLE authors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        display_name text NOT NULL,
        email_hash text,
        email text,
        account_created_at timestamptz,
        site_approved_count int,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (site_id, external_id)
      )`);
    await db.query(`
      CREATE TABLE comments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        article_id uuid NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        author_id uuid NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
        external_id text NOT NULL,
        parent_id uuid REFERENCES comments(id) ON DELETE SET NULL,
        parent_external_id text,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'held', 'rejected', 'deleted')),
        revision int NOT NULL DEFAULT 1,
        published_revision int,
        content_hash text NOT NULL,
        author_ip_hash text,
        author_ip text,
        user_agent text,
        report_count int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        UNIQUE (site_id, external_id)
      )`);
    // Every body a comment has had; comments.body is the latest.
    await db.query(`
      CREATE TABLE comment_revisions (
        comment_id uuid NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        revision int NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (comment_id, revision)
      )`);
    await db.query(`
      CREATE TABLE reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        comment_id uuid NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        reporter_id text NOT NULL,
        reason text NOT NULL CHECK (reason IN ('offensive', 'abusive', 'spam', 'off_topic', 'other')),
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (comment_id, reporter_id)
      )`);
    await db.query(`CREATE INDEX comments_site_status_idx ON comments (site_id, status, created_at, id)`);
    await db.query(`CREATE INDEX comments_site_created_idx ON comments (site_id, created_at, id)`);
    await db.query(`CREATE INDEX comments_article_idx ON comments (article_id, created_at, id)`);
    // Replies that arrived before their parent, found when the parent comes in.
    await db.query(
      `CREATE INDEX comments_orphan_idx ON comments (site_id, parent_external_id)
       WHERE parent_id IS NULL AND parent_external_id IS NOT NULL`,
    );
    await db.query(`
      CREATE TABLE decisions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        comment_id uuid NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
        comment_revision int NOT NULL,
        action text NOT NULL CHECK (action IN ('approve', 'hold', 'reject')),
        decided_by text NOT NULL CHECK (decided_by IN ('system', 'moderator')),
        -- what made it: an engine check of a revision, readers' reports, or a moderator's review
        kind text NOT NULL CHECK (kind IN ('check', 'reports', 'review')),
        reasons jsonb NOT NULL DEFAULT '[]',
        scores jsonb NOT NULL DEFAULT '{}',
        phases jsonb NOT NULL DEFAULT '[]',
        engine_version text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX decisions_comment_idx ON decisions (comment_id, id)`);
    // A retried moderation job must never write a second engine decision for the same revision.
    await db.query(
      `CREATE UNIQUE INDEX decisions_one_check_idx ON decisions (comment_id, comment_revision) WHERE kind = 'check'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE decisions, reports, comment_revisions, comments, authors, articles, api_keys, sites`);
  }
}
