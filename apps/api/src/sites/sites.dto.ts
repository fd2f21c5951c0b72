import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '#app/database';
import { IfPresent, TextField } from '../common/text.js';

// Decorators apply bottom-up: in each property below the type is checked first.

export class CreateSiteDto {
  @TextField({ max: 200, example: 'Daily News' })
  name: string;

  @ApiProperty({ description: 'Short, URL-safe, unique name of the site', example: 'daily-news' })
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, { message: '$property must be 1-64 lowercase letters, digits or inner hyphens' })
  @IsString()
  slug: string;
}

/** Settings a site can change; every field is optional, only those sent change. */
export class UpdateSiteDto {
  @TextField({ max: 200, optional: true, nullable: false })
  name?: string;

  @ApiPropertyOptional({ description: 'Longest comment body accepted, in characters', minimum: 1, maximum: 100_000, example: 10_000 })
  @IfPresent()
  @Max(100_000)
  @Min(1)
  @IsInt()
  maxBodyLength?: number;

  @ApiPropertyOptional({ description: 'Distinct reader reports that send an approved comment back for review', minimum: 1, example: 3 })
  @IfPresent()
  @Max(10_000)
  @Min(1)
  @IsInt()
  reportThreshold?: number;

  @ApiPropertyOptional({ description: "Keep authors' e-mail and IP as sent (otherwise only keyed hashes)", example: false })
  @IfPresent()
  @IsBoolean()
  storeRawAuthorData?: boolean;

  @ApiPropertyOptional({ description: "Moderators' approvals and rejections adapt this site's model scores (never other sites')", example: true })
  @IfPresent()
  @IsBoolean()
  learnFromModerators?: boolean;

  @ApiPropertyOptional({ description: 'Requests per minute per API key', minimum: 1, maximum: 1_000_000, example: 1200 })
  @IfPresent()
  @Max(1_000_000)
  @Min(1)
  @IsInt()
  rateLimitPerMinute?: number;
}

export interface SiteView {
  id: string;
  name: string;
  slug: string;
  maxBodyLength: number;
  reportThreshold: number;
  storeRawAuthorData: boolean;
  rateLimitPerMinute: number;
  learnFromModerators: boolean;
  /** How many times the site's model adaptation has learned from moderators. */
  adaptationRevision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreatedSite extends SiteView {
  /** Shown once: only its hash is stored. */
  apiKey: string;
  apiKeyScopes: ApiKeyScope[];
}

export class CreateApiKeyDto {
  @TextField({ max: 200, example: 'comment-ingest' })
  name: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true, example: ['comments:write', 'comments:read'] })
  @IsIn(API_KEY_SCOPES, { each: true, message: `$property must each be one of ${API_KEY_SCOPES.join(', ')}` })
  @ArrayUnique()
  @ArrayMinSize(1)
  @IsArray()
  scopes: ApiKeyScope[];
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ description: 'Seconds the old key keeps working, so deployments can switch over', minimum: 0, maximum: 604_800, default: 0 })
  @IfPresent()
  @Max(604_800)
  @Min(0)
  @IsInt()
  graceSeconds?: number;
}
