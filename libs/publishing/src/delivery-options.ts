import type { JobsOptions } from 'bullmq';
import type { Environment } from '#app/config';
import { attemptsFor, type RetrySchedule } from './retry-schedule.js';

export function retrySchedule(env: Environment): RetrySchedule {
  return { baseMs: env.WEBHOOK_RETRY_BASE_MS, maxMs: env.WEBHOOK_RETRY_MAX_MS, forSeconds: env.WEBHOOK_RETRY_FOR_SECONDS };
}

/**
 * Enough attempts to keep retrying for WEBHOOK_RETRY_FOR_SECONDS (24 hours by default) on the
 * worker's back-off with jitter; then the delivery is dead-lettered. Completed jobs go at once
 * (the delivery table is the record); failed ones stay visible.
 */
export function deliveryJobOptions(env: Environment): JobsOptions {
  return { attempts: attemptsFor(retrySchedule(env)), backoff: { type: 'webhook' }, removeOnComplete: true, removeOnFail: { count: 10_000 } };
}
