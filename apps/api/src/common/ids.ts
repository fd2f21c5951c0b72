import { type PipeTransform } from '@nestjs/common';
import { ApiError } from './api-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * A path id that cannot exist is simply not found: a 404, never a database error. A UUID's case
 * does not matter (RFC 9562); passed on in lower case, as the database writes it, so code
 * comparing ids as strings agrees with PostgreSQL.
 */
export class IdPipe implements PipeTransform<string, string> {
  constructor(private readonly what: string) {}

  transform(value: string): string {
    if (!isUuid(value)) throw ApiError.notFound(this.what);
    return value.toLowerCase();
  }
}
