import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AuthorTrust } from '#app/moderation-engine';

@Entity('authors')
export class Author {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'site_id' })
  siteId: string;

  /** The site's own id of the commenter. */
  @Column('text', { name: 'external_id' })
  externalId: string;

  @Column('text', { name: 'display_name' })
  displayName: string;

  /** Keyed hash of the e-mail (HMAC with PII_HASH_KEY). */
  @Column('text', { name: 'email_hash', nullable: true })
  emailHash: string | null;

  /** The e-mail as sent, only when the site enables raw storage. */
  @Column('text', { nullable: true })
  email: string | null;

  @Column('timestamptz', { name: 'account_created_at', nullable: true })
  accountCreatedAt: Date | null;

  /** Approved comments the site itself counts for this author (its history before Threadkeeper). */
  @Column('int', { name: 'site_approved_count', nullable: true })
  siteApprovedCount: number | null;

  /** This author's comments approved here now, kept by a trigger on comments (never written by the application). */
  @Column({ type: 'int', name: 'approved_comments', update: false, insert: false })
  approvedComments: number;

  /** This author's comments rejected here now, kept like approvedComments. */
  @Column({ type: 'int', name: 'rejected_comments', update: false, insert: false })
  rejectedComments: number;

  /** A moderator's standing decision about this author; null: judged like anyone else. */
  @Column('text', { nullable: true })
  trust: AuthorTrust | null;

  @Column('text', { name: 'trust_reason', nullable: true })
  trustReason: string | null;

  @Column('text', { name: 'trust_changed_by', nullable: true })
  trustChangedBy: string | null;

  @Column('timestamptz', { name: 'trust_changed_at', nullable: true })
  trustChangedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
