import type { JobsOptions } from 'bullmq';

/**
 * Every queue and job of the system, declared once. The API only produces, the worker only
 * consumes; both take names, payload types and options from here.
 */
export const QUEUES = {
  /** Comments waiting for the moderation engine. */
  moderation: 'moderation',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  moderate: { queue: QUEUES.moderation, name: 'moderate' },
} as const;

/** Payload of a `moderate` job: check one revision of one comment. */
export interface ModerateJob {
  commentId: string;
  revision: number;
  /** Ingest time (epoch ms), for the ingest → decision latency. */
  enqueuedAt: number;
}

/**
 * The job id is the comment id (plus the revision after an edit), so enqueueing the same check
 * twice — an API retry, a re-enqueue by the reconciler — adds no second job.
 */
export function moderateJobId(commentId: string, revision: number): string {
  return revision === 1 ? commentId : `${commentId}.r${revision}`;
}

/**
 * Retries with exponential back-off (attempts and first delay from the environment: by default 8
 * attempts over about two minutes). Completed jobs are kept briefly for the dashboard; failed ones
 * stay until someone looks.
 */
export function moderateJobOptions(retry: { attempts: number; backoffMs: number }): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: false,
  };
}
