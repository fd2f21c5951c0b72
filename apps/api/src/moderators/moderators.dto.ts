import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { MODERATOR_ROLES, type ModeratorRole } from '#app/database';
import { IfPresent, IsStorableText, TextField } from '../common/text.js';

// Decorators apply bottom-up: in each property below the type is checked first.

export class LoginDto {
  @ApiProperty({ example: 'ann@news.example' })
  @MaxLength(320)
  @IsString()
  email: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @MaxLength(1000)
  @IsString()
  password: string;
}

/** At least 12 characters: length is what makes a password hard to guess. */
const PASSWORD = { min: 12, max: 1000 };

export class CreateModeratorDto {
  @ApiProperty({ example: 'ann@news.example' })
  @IsEmail({}, { message: '$property must be an e-mail address' })
  @IsStorableText()
  @MaxLength(320)
  @IsString()
  email: string;

  @TextField({ max: 200, example: 'Ann' })
  name: string;

  @TextField({ min: PASSWORD.min, max: PASSWORD.max, description: 'At least 12 characters', example: 'correct horse battery staple' })
  password: string;

  @ApiProperty({ enum: MODERATOR_ROLES, example: 'moderator' })
  @IsIn(MODERATOR_ROLES, { message: `$property must be one of ${MODERATOR_ROLES.join(', ')}` })
  role: ModeratorRole;

  @ApiProperty({ description: 'Sites a moderator may review (admins review all)', type: [String], example: ['5b0e3f0c-8d7a-4c1e-9f3e-1d2c3b4a5e6f'] })
  @IsUUID('all', { each: true, message: '$property must each be a site id' })
  @ArrayUnique()
  @ArrayMaxSize(1000)
  @IsArray()
  siteIds: string[];
}

export class UpdateModeratorDto {
  @TextField({ max: 200, optional: true, nullable: false })
  name?: string;

  @TextField({ min: PASSWORD.min, max: PASSWORD.max, optional: true, nullable: false })
  password?: string;

  @ApiPropertyOptional({ enum: MODERATOR_ROLES })
  @IfPresent()
  @IsIn(MODERATOR_ROLES, { message: `$property must be one of ${MODERATOR_ROLES.join(', ')}` })
  role?: ModeratorRole;

  @ApiPropertyOptional({ type: [String] })
  @IfPresent()
  @IsUUID('all', { each: true, message: '$property must each be a site id' })
  @ArrayUnique()
  @ArrayMaxSize(1000)
  @IsArray()
  siteIds?: string[];

  @ApiPropertyOptional({ description: 'A disabled moderator cannot log in; their sessions end' })
  @IfPresent()
  @IsBoolean()
  disabled?: boolean;
}
