export interface RetrySchedule {
  baseMs: number;
  maxMs: number;
  /** Keep retrying for at least this long. */
  forSeconds: number;
}

/** The delay before retry `attempt` (1-based): doubling from baseMs, capped at maxMs, ±20% jitter. */
export function retryDelay(schedule: RetrySchedule, attempt: number, random = Math.random): number {
  const plain = Math.min(schedule.maxMs, schedule.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/** Attempts needed so that, even with the least jitter, retries span `forSeconds`. */
export function attemptsFor(schedule: RetrySchedule): number {
  let elapsed = 0;
  let attempt = 1;
  while (elapsed < schedule.forSeconds * 1000) {
    elapsed += Math.min(schedule.maxMs, schedule.baseMs * 2 ** (attempt - 1)) * 0.8;
    attempt += 1;
  }
  return attempt;
}
