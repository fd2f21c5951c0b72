import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import type { AuthorTrust, SitePolicyInput } from '#app/moderation-engine';
import { TextField } from '../common/text.js';

const TRUST = ['trusted', 'banned', 'always_hold'] as const;

// Decorators apply bottom-up: in each property below the type is checked first.

export class TestAuthorDto {
  @TextField({ max: 200, optional: true, example: 'reader-1' })
  id?: string;

  @TextField({ max: 200, optional: true, example: 'Ann' })
  name?: string;

  @ApiPropertyOptional({ minimum: 0, example: 3 })
  @IsOptional()
  @Max(100_000)
  @Min(0)
  @IsInt()
  accountAgeDays?: number;

  @ApiPropertyOptional({ minimum: 0, example: 0 })
  @IsOptional()
  @Max(1_000_000_000)
  @Min(0)
  @IsInt()
  approvedCount?: number;

  @ApiPropertyOptional({ minimum: 0, example: 0 })
  @IsOptional()
  @Max(1_000_000_000)
  @Min(0)
  @IsInt()
  rejectedCount?: number;

  @ApiPropertyOptional({ enum: TRUST })
  @IsOptional()
  @IsIn(TRUST, { message: `$property must be one of ${TRUST.join(', ')}` })
  trust?: AuthorTrust;
}

export class TestPolicyDto {
  @TextField({ max: 100_000, description: 'The comment to judge', example: 'Check out my channel at bit.ly/xyz!!!' })
  body: string;

  @ApiPropertyOptional({ type: TestAuthorDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => TestAuthorDto)
  @IsObject({ message: '$property must be an object' })
  author?: TestAuthorDto;

  @ApiPropertyOptional({ description: 'A draft policy to judge with instead of the one in force (not stored)', type: Object })
  @IsOptional()
  @IsObject({ message: '$property must be an object' })
  policy?: SitePolicyInput;
}

export const POLICY_EXAMPLE = {
  mode: 'post',
  maxLength: 5000,
  wordList: [
    { term: 'numpty', category: 'insult', action: 'hold' },
    { term: 'buy followers', category: 'spam', action: 'reject', match: 'phrase' },
  ],
  allowList: ['Scunthorpe United'],
  rules: [
    {
      id: 'new-accounts-with-links',
      when: { all: [{ author: { accountAgeDays: { lt: 2 } } }, { regex: 'https?://' }] },
      action: 'hold',
      category: 'spam',
      message: 'Links from accounts younger than two days wait for review',
    },
  ],
  holdNewAuthors: { enabled: true, minApproved: 1 },
  thresholds: { insult: { hold: 0.5, reject: 0.9 } },
};
