import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';

/**
 * Every queue and job of the system, declared once. The API only produces, the worker only
 * consumes; both take names, payload types and options from here.
 */
export const QUEUES = {
  /** Comments waiting for the moderation engine. */
  moderation: 'moderation',
  /** Webhook deliveries to the sites' article services. */
  publication: 'publication',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  moderate: { queue: QUEUES.moderation, name: 'moderate' },
  /** Build an article's current approved thread and deliver it (coalesced per time window). */
  publishThread: { queue: QUEUES.publication, name: 'publish-thread' },
  /** Deliver one stored delivery: a per-comment event, a retry, or a replay. */
  deliver: { queue: QUEUES.publication, name: 'deliver' },
} as const;

export interface PublishThreadJob {
  siteId: string;
  articleId: string;
  /** The request behind the change that opened this window. */
  correlationId?: string | null;
  /** Set once the delivery is stored, so retries resend the same message. */
  deliveryId?: string;
}

export interface DeliverJob {
  deliveryId: string;
  /** A replay someone asked for: sent even if a newer thread was delivered since. */
  replay?: boolean;
}

/**
 * One thread job per article per coalescing window: every change relayed within the window
 * joins the same job, which runs after the window and reads the thread as it is then. A change
 * after that lands in the next window's job, so the last change is never lost.
 */
export function publishThreadJobId(articleId: string, windowMs: number, now = Date.now()): string {
  return `thread.${articleId}.${Math.floor(now / windowMs)}`;
}

/** Milliseconds until the current coalescing window closes. */
export function untilWindowEnds(windowMs: number, now = Date.now()): number {
  return windowMs - (now % windowMs);
}

/** One revision of one comment to check. */
export interface ModerationCheck {
  commentId: string;
  revision: number;
  /** The id of the request that stored this revision, carried on to logs and deliveries. */
  correlationId?: string;
}

/**
 * Payload of a `moderate` job: revisions stored together (one request, or requests the API
 * coalesced) are checked together, so the worker reads them with one query and writes their
 * decisions with one statement instead of a few round trips per comment.
 */
export interface ModerateJob {
  checks: ModerationCheck[];
}

/** The most checks one job carries: bigger groups are split, so several workers can share a batch. */
export const MODERATION_GROUP_MAX = 100;

/** A check as text: the comment and revision it is of. */
export function moderationCheckKey(check: Pick<ModerationCheck, 'commentId' | 'revision'>): string {
  return `${check.commentId}.${check.revision}`;
}

/**
 * The job id names every check of the group, so queueing the same checks again — an API retry, a
 * re-enqueue by the reconciler — adds no second job, and a different group never gets the id of a
 * job still waiting or failed (BullMQ ignores an add whose id exists: its checks would have no
 * job). A repeat grouped differently adds a job; the worker still records one decision per
 * revision. A lone check's id is its comment id, plus the revision after an edit; a group's is its
 * first check's, its size and a hash of all its checks.
 */
export function moderateJobId(checks: readonly Pick<ModerationCheck, 'commentId' | 'revision'>[]): string {
  const [first] = checks;
  const id = first.revision === 1 ? first.commentId : `${first.commentId}.r${first.revision}`;
  if (checks.length === 1) return id;
  const digest = createHash('sha256').update(checks.map(moderationCheckKey).join(' ')).digest('base64url').slice(0, 16);
  return `${id}.g${checks.length}.${digest}`;
}

/** The bulk-add entries for some checks: groups of at most MODERATION_GROUP_MAX, in order. */
export function moderateJobs(checks: readonly ModerationCheck[], options: JobsOptions): { name: string; data: ModerateJob; opts: JobsOptions }[] {
  const jobs = [];
  for (let start = 0; start < checks.length; start += MODERATION_GROUP_MAX) {
    const group = checks.slice(start, start + MODERATION_GROUP_MAX);
    jobs.push({ name: JOBS.moderate.name, data: { checks: group }, opts: { ...options, jobId: moderateJobId(group) } });
  }
  return jobs;
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

/**
 * How long a worker holds a job before it counts as stalled (its process died) and goes back to
 * the queue. Read from the raw JOB_LOCK_MS because processor options are fixed when the classes
 * are declared, before Nest starts; the validated Environment refuses a bad value at start.
 */
export function workerLockOptions(): { lockDuration: number; stalledInterval: number } {
  const lockMs = Number(process.env.JOB_LOCK_MS) || 30_000;
  return { lockDuration: lockMs, stalledInterval: lockMs };
}
