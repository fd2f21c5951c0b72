import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ReportReason } from '../statuses.js';

/** A reader's report of a comment; one per reporter per comment. */
@Entity('reports')
export class Report {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'site_id' })
  siteId: string;

  @Column('uuid', { name: 'comment_id' })
  commentId: string;

  /** The site's id of the reader who reported. */
  @Column('text', { name: 'reporter_id' })
  reporterId: string;

  @Column('text')
  reason: ReportReason;

  @Column('text', { nullable: true })
  note: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
