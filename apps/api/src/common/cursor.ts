import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiError } from './api-error.js';
import { isUuid } from './ids.js';
import { readTimestamp } from './timestamp.js';

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
  throw invalidCursor();
}

/** The one answer to a cursor the API did not make, whatever kind of cursor it is. */
export function invalidCursor(): ApiError {
  return ApiError.invalid('cursor', 'is not a cursor this API returned');
}

// Keys are checked against exactly what the API writes into cursors, so a hand-made one never
// reaches PostgreSQL as a value it refuses (a 500) or reads differently.

// timestamptz as text, as PostgreSQL writes it with DateStyle ISO (which the pg driver needs too).
const POSTGRES_TIMESTAMP =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2}) (?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})(?:\.(?<fraction>\d{1,6}))?(?<sign>[+-])(?<offsetHours>\d{2})(?::(?<offsetMinutes>\d{2}))?$/;
export const isTimestamp = (key: string): boolean => readTimestamp(key, POSTGRES_TIMESTAMP) !== null;

/** A float8 as JavaScript writes it (String(number)): '0b1', ' 1' or '1e-400' are not. */
export const isNumber = (key: string): boolean => String(Number(key)) === key && Number.isFinite(Number(key));

const BIGINT_MAX = 2n ** 63n - 1n;
/** A bigint id as PostgreSQL writes it: plain decimal, no leading zeros, within bigint. */
export const isBigintId = (key: string): boolean => /^(0|[1-9]\d{0,18})$/.test(key) && BigInt(key) <= BIGINT_MAX;

/** The `limit` of a listing: a whole number of items per page, 1..max, default 50. */
export function PageLimitField(max: number): PropertyDecorator {
  return applyDecorators(ApiPropertyOptional({ minimum: 1, maximum: max, default: 50 }), IsOptional(), Max(max), Min(1), IsInt(), Type(() => Number));
}
