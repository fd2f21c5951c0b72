import type { CommentInput, PhaseResult, Reason, Scorer, Verdict } from '#app/moderation-engine';

/** A comment with the scores its site's own model server gave it (asked before the engine runs). */
export type ExternallyScoredInput = CommentInput & { externalScores?: Record<string, number> };

/**
 * Hands the site's external scores to the engine as a scorer, so the site's policy thresholds
 * apply to them like to any other score (the HTTP call itself happens before, in the worker: the
 * engine does no I/O).
 */
export const EXTERNAL_SCORES: Scorer = {
  name: 'external',
  score: (_text, input) => ({ scores: (input as ExternallyScoredInput).externalScores ?? {} }),
};

export type ExternalAction = 'approve' | 'hold' | 'reject';

/** What a site's scorer answered, or why it could not be used. */
export type ExternalAnswer =
  | { ok: true; scores: Record<string, number>; action?: ExternalAction; reason?: string; latencyMs: number }
  | { ok: false; problem: string; latencyMs: number };

/** A scorer's answer must be `{ scores?: { name: 0..1 }, action?: approve|hold|reject, reason?: string }`. */
export function parseExternalAnswer(body: string, latencyMs: number): ExternalAnswer {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, problem: 'the answer is not JSON', latencyMs };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'the answer is not a JSON object', latencyMs };
  const { scores = {}, action, reason } = value as Record<string, unknown>;
  if (typeof scores !== 'object' || scores === null || Array.isArray(scores)) return { ok: false, problem: 'scores is not an object', latencyMs };
  for (const [name, score] of Object.entries(scores)) {
    if (!/^[a-z][a-z0-9_]{0,63}$/.test(name)) return { ok: false, problem: `score name "${name.slice(0, 64)}" is not a lowercase identifier`, latencyMs };
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) return { ok: false, problem: `score ${name} is not a number from 0 to 1`, latencyMs };
  }
  if (action !== undefined && action !== 'approve' && action !== 'hold' && action !== 'reject') return { ok: false, problem: 'action is not approve, hold or reject', latencyMs };
  if (reason !== undefined && typeof reason !== 'string') return { ok: false, problem: 'reason is not a string', latencyMs };
  return { ok: true, scores: scores as Record<string, number>, action, reason: (reason as string | undefined)?.slice(0, 500), latencyMs };
}

const RANK: Record<ExternalAction, number> = { approve: 0, hold: 1, reject: 2 };

/**
 * The external phase's say in the verdict: its action can make the verdict stricter (hold,
 * reject), never laxer — a site's scorer saying "approve" does not overrule a hold. When the
 * scorer failed, `closed` holds the comment and `open` lets the engine's verdict stand, noting why.
 */
export function applyExternalAnswer(verdict: Verdict, answer: ExternalAnswer, failureMode: 'open' | 'closed'): Verdict {
  const reasons: Reason[] = [];
  let action: ExternalAction | undefined;
  if (answer.ok) {
    action = answer.action;
    if (action && action !== 'approve') {
      reasons.push({ code: `external.${action}`, category: 'policy', phase: 'external', message: answer.reason ?? `The site's scorer asked to ${action} it`, spans: [] });
    }
  } else {
    action = failureMode === 'closed' ? 'hold' : undefined;
    reasons.push({
      code: 'external.unavailable',
      category: 'policy',
      phase: 'external',
      message: `The site's scorer could not be used (${answer.problem}); ${failureMode === 'closed' ? 'held, as the site asked' : 'judged without it'}`,
      spans: [],
    });
  }
  const stricter = action !== undefined && RANK[action] > RANK[verdict.action];
  const phase: PhaseResult = { phase: 'external', action, decisive: false, reasons, scores: answer.ok ? answer.scores : {} };
  return {
    ...verdict,
    action: stricter ? action! : verdict.action,
    // What made the verdict stricter comes first: it is the reason a moderator reads.
    reasons: stricter ? [...reasons, ...verdict.reasons] : [...verdict.reasons, ...reasons],
    phases: [...verdict.phases, phase],
  };
}
