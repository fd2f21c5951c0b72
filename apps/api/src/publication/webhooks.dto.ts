import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, MaxLength, Max, Min } from 'class-validator';
import { WEBHOOK_EVENTS } from '#app/publishing';
import { IsStorableText, TextField } from '../common/text.js';
import { PageLimitField } from '../common/cursor.js';

const DELIVERY_STATUSES = ['pending', 'delivered', 'dead', 'superseded'] as const;

// Decorators apply bottom-up: in each property below the type is checked first.

export class SetWebhookDto {
  @ApiProperty({ description: "The article service's endpoint (http or https; not a private address)", example: 'https://news.example/hooks/threadkeeper' })
  @IsStorableText()
  @MaxLength(2000)
  @IsString()
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['thread.updated'] })
  @IsIn(WEBHOOK_EVENTS, { each: true, message: `$property must each be one of ${WEBHOOK_EVENTS.join(', ')}` })
  @ArrayUnique()
  @ArrayMinSize(1)
  @IsArray()
  events: string[];
}

export class RotateSecretDto {
  @ApiPropertyOptional({ description: 'Seconds the old secret keeps signing too, so the receiver can switch over', minimum: 0, maximum: 604_800, default: 86_400 })
  @IsOptional()
  @Max(604_800)
  @Min(0)
  @IsInt()
  overlapSeconds?: number;
}

export class DeliveriesQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `$property must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: (typeof DELIVERY_STATUSES)[number];

  @TextField({ max: 200, optional: true, description: "The site's article id" })
  articleId?: string;

  @TextField({ max: 100, optional: true })
  cursor?: string;

  @PageLimitField(200)
  limit?: number;
}
