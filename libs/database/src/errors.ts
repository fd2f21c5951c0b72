/** PostgreSQL's codes for the errors the code reacts to (SQLSTATE, appendix A of its manual). */
export const PG_ERRORS = {
  uniqueViolation: '23505',
  notNullViolation: '23502',
  deadlockDetected: '40P01',
} as const;

/** Whether `error` is PostgreSQL's error of that kind (as the pg driver reports it). */
export function isPgError(error: unknown, kind: keyof typeof PG_ERRORS): boolean {
  return (error as { code?: unknown } | null)?.code === PG_ERRORS[kind];
}
