import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsIP,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { COMMENT_STATUSES, type CommentStatus, type DecidedBy, type DecisionAction, REPORT_REASONS, type ReportReason } from '#app/database';
import type { Reason } from '#app/moderation-engine';
import { IsStorableText, TextField } from '../common/text.js';
import { PageLimitField } from '../common/cursor.js';
import { TimestampField } from '../common/timestamp.js';

/** Ids the site uses for its own things: printable, bounded, never empty. */
const EXTERNAL_ID_MAX = 200;
/** Hard ceiling on a body; each site's own limit (default 10,000) is checked by the service. */
export const BODY_HARD_MAX = 100_000;
export const BATCH_MAX = 1000;

// Decorators apply bottom-up: in each property below the type is checked first.

export class CommentAuthorDto {
  @TextField({ max: EXTERNAL_ID_MAX, description: "The site's id of the commenter", example: 'reader-4711' })
  id: string;

  @TextField({ max: 200, description: 'Display name', example: 'Ann Example' })
  name: string;

  @ApiPropertyOptional({ description: 'Stored as a keyed hash unless the site enables raw storage', example: 'ann@example.org' })
  @IsOptional()
  @IsEmail({}, { message: '$property must be an e-mail address' })
  @IsStorableText()
  @MaxLength(320)
  @IsString()
  email?: string;

  @ApiPropertyOptional({ description: "The poster's IP; stored as a keyed hash unless the site enables raw storage", example: '203.0.113.7' })
  @IsOptional()
  @IsIP(undefined, { message: '$property must be an IPv4 or IPv6 address' })
  @IsStorableText()
  @MaxLength(100)
  @IsString()
  ip?: string;

  @TextField({ max: 1000, optional: true, example: 'Mozilla/5.0' })
  userAgent?: string;

  @TimestampField({ description: "When the author's account was made on the site (ISO 8601 with a UTC offset)", example: '2024-03-01T10:00:00Z' })
  accountCreatedAt?: string;

  @ApiPropertyOptional({ description: "Comments of this author the site itself approved before", minimum: 0, example: 12 })
  @IsOptional()
  @Max(1_000_000_000)
  @Min(0)
  @IsInt()
  approvedCount?: number;
}

export class CreateCommentDto {
  @TextField({ max: EXTERNAL_ID_MAX, description: "The site's id of the comment, unique per site", example: 'c-1001' })
  externalId: string;

  @TextField({ max: EXTERNAL_ID_MAX, description: "The site's id of the article", example: 'article-42' })
  articleId: string;

  @TextField({ max: 1000, optional: true, example: 'Council approves the new bridge' })
  articleTitle?: string;

  @ApiPropertyOptional({ example: 'https://news.example/articles/42' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: '$property must be an http(s) URL' })
  @IsStorableText()
  @MaxLength(2000)
  @IsString()
  articleUrl?: string;

  @TextField({ max: EXTERNAL_ID_MAX, optional: true, description: "The parent comment's externalId (same article)", example: 'c-1000' })
  parentId?: string;

  @ApiProperty({ type: CommentAuthorDto })
  @ValidateNested()
  @Type(() => CommentAuthorDto)
  @IsObject({ message: '$property must be an object' })
  @IsDefined()
  author: CommentAuthorDto;

  @TextField({ max: BODY_HARD_MAX, description: "Stored exactly as sent; at most the site's maxBodyLength characters", example: 'Finally! This bridge is long overdue.' })
  body: string;
}

/** Items are validated one by one, so one bad item never rejects the others. */
export class CreateCommentBatchDto {
  @ApiProperty({ type: [CreateCommentDto], minItems: 1, maxItems: BATCH_MAX })
  @ArrayMaxSize(BATCH_MAX)
  @ArrayMinSize(1)
  @IsArray()
  comments: unknown[];
}

export class UpdateCommentDto {
  @TextField({ max: BODY_HARD_MAX, description: 'The new body; the comment is checked again', example: 'Finally! This bridge is long overdue (edited).' })
  body: string;
}

export class ReportCommentDto {
  @ApiProperty({ enum: REPORT_REASONS, example: 'abusive' })
  @IsIn(REPORT_REASONS, { message: `$property must be one of ${REPORT_REASONS.join(', ')}` })
  reason: ReportReason;

  @TextField({ max: EXTERNAL_ID_MAX, description: "The site's id of the reader reporting", example: 'reader-99' })
  reporterId: string;

  @TextField({ max: 2000, optional: true, example: 'Personal attack on another reader' })
  note?: string;
}

export class ListCommentsQuery {
  @TextField({ max: EXTERNAL_ID_MAX, optional: true, description: "Finds one comment by the site's own id (answers that comment, not a page)" })
  externalId?: string;

  @TextField({ max: EXTERNAL_ID_MAX, optional: true, description: "The site's article id" })
  articleId?: string;

  @ApiPropertyOptional({ enum: COMMENT_STATUSES })
  @IsOptional()
  @IsIn(COMMENT_STATUSES, { message: `$property must be one of ${COMMENT_STATUSES.join(', ')}` })
  status?: CommentStatus;

  @TimestampField({ description: 'Only comments created at or after this time (ISO 8601 with a UTC offset)', example: '2026-11-01T00:00:00Z' })
  since?: string;

  @TextField({ max: 200, optional: true, description: '`nextCursor` of the previous page' })
  cursor?: string;

  @PageLimitField(500)
  limit?: number;
}

export interface DecisionView {
  action: DecisionAction;
  decidedBy: DecidedBy;
  reasons: Reason[];
  scores: Record<string, number>;
  engineVersion: string | null;
  createdAt: Date;
}

export interface CommentView {
  id: string;
  externalId: string;
  /** The site's own article id. */
  articleId: string;
  /** The parent's externalId, as the site sent it. */
  parentId: string | null;
  author: { id: string; name: string };
  body: string;
  status: CommentStatus;
  revision: number;
  reportCount: number;
  decision: DecisionView | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface CommentPage {
  items: CommentView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface AcceptedComment {
  id: string;
  externalId: string;
  status: CommentStatus;
}

export type BatchItemResult =
  | { status: 'accepted' | 'duplicate'; id: string; externalId: string }
  | { status: 'invalid' | 'conflict'; externalId?: string; errors: { field: string; problem: string }[] };

export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** One per submitted comment, in request order. */
  results: BatchItemResult[];
}
