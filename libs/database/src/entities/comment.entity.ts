import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { CommentStatus } from '../statuses.js';

@Entity('comments')
export class Comment {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'site_id' })
  siteId: string;

  @Column('uuid', { name: 'article_id' })
  articleId: string;

  @Column('uuid', { name: 'author_id' })
  authorId: string;

  /** The site's own id of the comment, unique per site. */
  @Column('text', { name: 'external_id' })
  externalId: string;

  /** The parent comment, once it is known. */
  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId: string | null;

  /** The parent's externalId as the site sent it; kept so a reply that arrives first can be linked later. */
  @Column('text', { name: 'parent_external_id', nullable: true })
  parentExternalId: string | null;

  /** Exactly as sent: normalisation is the engine's job and keeps offsets into this text. */
  @Column('text')
  body: string;

  @Column('text')
  status: CommentStatus;

  /** Grows with each edit; a decision is made for one revision. */
  @Column('int', { default: 1 })
  revision: number;

  /** The revision readers see (the last approved one), or null while none is visible. */
  @Column('int', { name: 'published_revision', nullable: true })
  publishedRevision: number | null;

  /** SHA-256 of the content first submitted, to tell an idempotent retry from a conflicting one. */
  @Column('text', { name: 'content_hash' })
  contentHash: string;

  /** Keyed hash of the poster's IP (HMAC with PII_HASH_KEY), for per-IP signals without the IP. */
  @Column('text', { name: 'author_ip_hash', nullable: true })
  authorIpHash: string | null;

  /** The IP as sent, only when the site enables raw storage. */
  @Column('text', { name: 'author_ip', nullable: true })
  authorIp: string | null;

  @Column('text', { name: 'user_agent', nullable: true })
  userAgent: string | null;

  @Column('int', { name: 'report_count', default: 0 })
  reportCount: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** When the author withdrew it on the site; kept for the audit. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
