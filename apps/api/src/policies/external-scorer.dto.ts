import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsStorableText } from '../common/text.js';

// Decorators apply bottom-up: in each property below the type is checked first.

export class SetExternalScorerDto {
  @ApiProperty({ description: "The site's model server (http or https; not a private address)", example: 'https://ml.news.example/threadkeeper/score' })
  @IsStorableText()
  @MaxLength(2000)
  @IsString()
  url: string;

  @ApiPropertyOptional({ description: 'Milliseconds to wait for an answer', minimum: 10, maximum: 30_000, default: 1000 })
  @IsOptional()
  @Max(30_000)
  @Min(10)
  @IsInt()
  timeoutMs?: number;

  @ApiPropertyOptional({ enum: ['open', 'closed'], default: 'open', description: 'When the scorer fails or times out: open judges without it, closed holds the comment' })
  @IsOptional()
  @IsIn(['open', 'closed'], { message: '$property must be open or closed' })
  failureMode?: 'open' | 'closed';
}
