import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, registerDecorator } from 'class-validator';

// What clients send: an ISO 8601 date-time with its UTC offset (seconds and fraction optional).
const ISO_DATE_TIME =
  /^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})T(?<hour>\d{2}):(?<minute>\d{2})(?::(?<second>\d{2})(?:\.(?<fraction>\d{1,9}))?)?(?:Z|(?<sign>[+-])(?<offsetHours>\d{2})(?::?(?<offsetMinutes>\d{2}))?)$/;

// PostgreSQL refuses offsets beyond ±15:59. Years are kept to 1..9999 in UTC, so that what is
// passed on is a plain four-digit ISO 8601 date-time (year 0 and signed years are not).
const MAX_OFFSET_HOURS = 15;
// setUTCFullYear, not Date.UTC, which reads years 0..99 as 1900..1999.
const EARLIEST = new Date(0).setUTCFullYear(1, 0, 1);
const LATEST = new Date(0).setUTCFullYear(9999, 11, 31) + 86_400_000 - 1;

/**
 * The instant of a date-time matching `pattern` (named groups year, month, day, hour, minute and
 * optionally second, fraction, sign, offsetHours, offsetMinutes), in UTC to the microsecond
 * PostgreSQL keeps (`2024-03-01T09:00:00.123456Z`); null unless it is a real date and time
 * PostgreSQL can store: a day in the calendar, hours 0-23, an offset within ±15:59, years 1-9999 in UTC.
 */
export function readTimestamp(text: string, pattern: RegExp): string | null {
  const parts = pattern.exec(text)?.groups;
  if (!parts) return null;
  const [year, month, day, hour, minute, second = 0] = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map(Number);
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second);
  // Date rolls 2026-02-30 over into March and 24:00 into the next day: neither is what was sent.
  const inCalendar =
    local.getUTCFullYear() === year && local.getUTCMonth() === month - 1 && local.getUTCDate() === day &&
    local.getUTCHours() === hour && local.getUTCMinutes() === minute && local.getUTCSeconds() === second;
  const offsetHours = Number(parts.offsetHours ?? 0);
  const offsetMinutes = Number(parts.offsetMinutes ?? 0);
  if (!inCalendar || offsetHours > MAX_OFFSET_HOURS || offsetMinutes > 59) return null;
  const utc = local.getTime() - (parts.sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  if (utc < EARLIEST || utc > LATEST) return null;
  // Whole minutes of offset leave the fraction as it was; digits past the microsecond are dropped.
  const fraction = parts.fraction ? `.${parts.fraction.slice(0, 6)}` : '';
  return new Date(utc).toISOString().replace(/\.\d{3}Z$/, `${fraction}Z`);
}

/** A client's date-time in UTC, or null when PostgreSQL could not store it (see readTimestamp). */
const normalizeTimestamp = (text: string): string | null => readTimestamp(text, ISO_DATE_TIME);

/**
 * An optional date-time field of a request: an ISO 8601 date-time with its UTC offset that
 * PostgreSQL can store, passed on in UTC. A value PostgreSQL refuses would fail the whole statement
 * it is in: every comment of a batch, or of the single comments stored with it.
 */
export function TimestampField({ description, example }: { description: string; example: string }): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, format: 'date-time', description, example }),
    // Runs before validation; a value it cannot read is left as sent, for the check to name.
    Transform(({ value }) => (typeof value === 'string' ? (normalizeTimestamp(value) ?? value) : value)),
    IsOptional(),
    IsString(),
    IsStorableTimestamp(),
  );
}

function IsStorableTimestamp(): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'isStorableTimestamp',
      target: target.constructor,
      propertyName: propertyKey as string,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && normalizeTimestamp(value) !== null,
        defaultMessage: (args) =>
          `${args?.property} must be an ISO 8601 date-time with a UTC offset, like 2024-03-01T10:00:00Z (offset within ±15:59, years 0001-9999)`,
      },
    });
}
