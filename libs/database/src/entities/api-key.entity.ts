import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ApiKeyScope } from '../statuses.js';

/** A site's API key. Only a hash of the secret is stored; the key itself is shown once. */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'site_id' })
  siteId: string;

  @Column('text')
  name: string;

  /** The public, non-secret start of the key, used to find the row. */
  @Column('text', { unique: true })
  prefix: string;

  /** SHA-256 of the whole key (keys are 192-bit random, so a fast hash is enough). */
  @Column('text', { name: 'secret_hash' })
  secretHash: string;

  @Column('text', { array: true })
  scopes: ApiKeyScope[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
