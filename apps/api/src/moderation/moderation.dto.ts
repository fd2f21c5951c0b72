import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Matches, ValidateIf } from 'class-validator';
import { AUTHOR_STANDINGS } from '#app/database';
import type { AuthorTrust } from '#app/moderation-engine';
import { TextField } from '../common/text.js';
import { PageLimitField } from '../common/cursor.js';

export const REVIEW_QUEUES = ['held', 'reported', 'pending', 'approved', 'rejected'] as const;
export type ReviewQueue = (typeof REVIEW_QUEUES)[number];
export const SORTS = ['oldest', 'newest', 'score'] as const;
export type QueueSort = (typeof SORTS)[number];
export const REVIEW_ACTIONS = ['approve', 'reject'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** The reasons a moderator can give, per action: a short list keeps the audit log readable. */
export const REASON_CODES: { code: string; label: string; action: ReviewAction }[] = [
  { code: 'acceptable', label: 'Within the rules', action: 'approve' },
  { code: 'false_positive', label: 'Flagged by mistake', action: 'approve' },
  { code: 'insult', label: 'Insults or harassment', action: 'reject' },
  { code: 'hate', label: 'Hate or identity attack', action: 'reject' },
  { code: 'threat', label: 'Threat or incitement', action: 'reject' },
  { code: 'spam', label: 'Spam or advertising', action: 'reject' },
  { code: 'off_topic', label: 'Off topic', action: 'reject' },
  { code: 'privacy', label: 'Personal information', action: 'reject' },
  { code: 'other', label: 'Other (see the note)', action: 'reject' },
];

// Decorators apply bottom-up: in each property below the type is checked first.

export class QueueQuery {
  @ApiPropertyOptional({ enum: REVIEW_QUEUES, default: 'held' })
  @IsOptional()
  @IsIn(REVIEW_QUEUES, { message: `$property must be one of ${REVIEW_QUEUES.join(', ')}` })
  status?: ReviewQueue;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID('all', { message: '$property must be a site id' })
  siteId?: string;

  @TextField({ max: 200, optional: true, description: "The site's article id" })
  articleId?: string;

  @TextField({ max: 64, optional: true, description: 'Only comments with a reason of this category (insult, spam, …)' })
  category?: string;

  @TextField({ max: 128, optional: true, description: 'Only comments with a reason of this code (list.insult, spam.shortener, …)' })
  reason?: string;

  @ApiPropertyOptional({ enum: SORTS, default: 'oldest' })
  @IsOptional()
  @IsIn(SORTS, { message: `$property must be one of ${SORTS.join(', ')}` })
  sort?: QueueSort;

  @TextField({ max: 300, optional: true })
  cursor?: string;

  @PageLimitField(200)
  limit?: number;
}

export class DecisionDto {
  @ApiProperty({ enum: REVIEW_ACTIONS })
  @IsIn(REVIEW_ACTIONS, { message: `$property must be one of ${REVIEW_ACTIONS.join(', ')}` })
  action: ReviewAction;

  @ApiPropertyOptional({ description: 'One of GET /v1/moderation/reason-codes for this action', example: 'insult' })
  @IsOptional()
  @Matches(/^[a-z_]{1,64}$/, { message: '$property must be a reason code' })
  @IsString()
  reasonCode?: string;

  @TextField({ max: 2000, optional: true, example: 'Personal attack on another reader' })
  note?: string;
}

export class BulkDecisionDto extends DecisionDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 500 })
  @IsUUID('all', { each: true, message: '$property must each be a comment id' })
  @ArrayUnique()
  @ArrayMaxSize(500)
  @ArrayMinSize(1)
  ids: string[];
}

export class StandingDto {
  @ApiProperty({ enum: [...AUTHOR_STANDINGS, null], nullable: true, description: 'null clears the standing' })
  @ValidateIf((_o, value) => value !== null)
  @IsIn(AUTHOR_STANDINGS, { message: `$property must be one of ${AUTHOR_STANDINGS.join(', ')}, or null` })
  standing: AuthorTrust | null;

  @TextField({ max: 2000, description: 'Why: kept in the audit log', example: 'Repeated insults after warnings' })
  reason: string;

  @ApiPropertyOptional({ description: 'With a ban: also reject every comment of theirs that is held or pending' })
  @IsOptional()
  @IsBoolean()
  rejectHeld?: boolean;

  @ApiPropertyOptional({ description: 'With a ban: also take down every comment of theirs that is published (their threads are republished)' })
  @IsOptional()
  @IsBoolean()
  removePublished?: boolean;
}

export class AuditQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID('all', { message: '$property must be a comment id' })
  commentId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID('all', { message: '$property must be an author id' })
  authorId?: string;

  @TextField({ max: 100, optional: true, description: 'moderator:<id> or key:<id>' })
  actor?: string;

  @TextField({ max: 30, optional: true })
  cursor?: string;
}
