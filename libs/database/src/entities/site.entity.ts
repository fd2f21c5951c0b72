import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('sites')
export class Site {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { unique: true })
  slug: string;

  /** Longest comment body accepted, in characters. */
  @Column('int', { name: 'max_body_length', default: 10_000 })
  maxBodyLength: number;

  /** Distinct reader reports that send an approved comment back for review. */
  @Column('int', { name: 'report_threshold', default: 3 })
  reportThreshold: number;

  /** Keep authors' e-mail and IP as sent; otherwise only keyed hashes are stored. */
  @Column('boolean', { name: 'store_raw_author_data', default: false })
  storeRawAuthorData: boolean;

  /** Moderators' approvals and rejections adapt this site's model scores. */
  @Column('boolean', { name: 'learn_from_moderators', default: true })
  learnFromModerators: boolean;

  /** Grows each time the site's model adaptation learns; workers reload when it changes. */
  @Column('int', { name: 'adaptation_revision', default: 0 })
  adaptationRevision: number;

  /** Requests per minute per API key. */
  @Column('int', { name: 'rate_limit_per_minute', default: 1200 })
  rateLimitPerMinute: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
