import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { SitePolicyInput } from '#app/moderation-engine';

/** One version of a site's moderation policy. The highest version is in force. */
@Entity('site_policies')
export class SitePolicyVersion {
  @PrimaryColumn('uuid', { name: 'site_id' })
  siteId: string;

  @PrimaryColumn('int')
  version: number;

  /** As the site sent it: a partial policy, merged over the engine's defaults. */
  @Column('jsonb')
  policy: SitePolicyInput;

  /** `admin` (the operator's token) or `key:<id>` of the site key that made the change. */
  @Column('text', { name: 'changed_by' })
  changedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
