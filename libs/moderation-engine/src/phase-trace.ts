import type { PhaseResult, VerdictAction } from './types.js';

/**
 * One phase as a decision stores it for the audit: what it asked for and scored, and how long it
 * took. Its reasons are not repeated (the decision's reasons name their phase), nor is what a
 * phase did not do: most phases of most comments ask for nothing and score nothing, and their
 * empty lists, empty maps and `decisive: false` were two thirds of a stored decision, written by
 * the worker and parsed by PostgreSQL for every comment. A subset of PhaseResult, so traces stored
 * whole before read the same way.
 */
export interface PhaseTrace {
  phase: string;
  action?: VerdictAction;
  /** Present (true) only on the phase that ended the run. */
  decisive?: true;
  /** Present only when the phase scored something. */
  scores?: Record<string, number>;
  /** Wall time to the microsecond, when the engine recorded timings. */
  durationMs?: number;
}

/** The stored form of a verdict's phases, in order. */
export function phaseTrace(phases: readonly PhaseResult[]): PhaseTrace[] {
  return phases.map(({ phase, action, decisive, scores, durationMs }) => {
    const trace: PhaseTrace = { phase };
    if (action !== undefined) trace.action = action;
    if (decisive) trace.decisive = true;
    if (Object.keys(scores).length > 0) trace.scores = scores;
    if (durationMs !== undefined) trace.durationMs = Math.round(durationMs * 1000) / 1000;
    return trace;
  });
}
