import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PhaseTrace, Reason } from '#app/moderation-engine';
import type { DecidedBy, DecisionAction, DecisionKind } from '../statuses.js';

/** One decision on one revision of a comment. A comment's decisions are appended, never overwritten. */
@Entity('decisions')
export class Decision {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'comment_id' })
  commentId: string;

  @Column('int', { name: 'comment_revision' })
  commentRevision: number;

  @Column('text')
  action: DecisionAction;

  @Column('text', { name: 'decided_by' })
  decidedBy: DecidedBy;

  @Column('text')
  kind: DecisionKind;

  @Column('jsonb')
  reasons: Reason[];

  @Column('jsonb')
  scores: Record<string, number>;

  /** Every engine phase that ran, in order, for the audit. Empty for a moderator's decision. */
  @Column('jsonb')
  phases: PhaseTrace[];

  @Column('text', { name: 'engine_version', nullable: true })
  engineVersion: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
