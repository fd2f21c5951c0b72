import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiError } from './api-error.js';
import { isUuid } from './ids.js';

/**
 * Keyset pagination cursors: the sort key and id of the last item of a page, opaque to clients.
 * Any cursor the API did not make gets the same clear 400.
 */
export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

/** The key and id of a cursor; `keyValid` checks the key is of the order being listed. */
export function decodeCursor(cursor: string, keyValid: (key: string) => boolean = isTimestamp): [string, string] {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && keyValid(value[0]) && typeof value[1] === 'string' && isUuid(value[1])) {
    return value as [string, string];
  }
  throw ApiError.invalid('cursor', 'is not a cursor this API returned');
}

export const isTimestamp = (key: string): boolean => !Number.isNaN(Date.parse(key));
export const isNumber = (key: string): boolean => key.trim() !== '' && Number.isFinite(Number(key));

/** The `limit` of a listing: a whole number of items per page, 1..max, default 50. */
export function PageLimitField(max: number): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ minimum: 1, maximum: max, default: 50 }), IsOptional(), Max(max), Min(1), IsInt(), Type(() => Number));
}
