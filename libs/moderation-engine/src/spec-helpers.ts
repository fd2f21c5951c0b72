import { ModerationEngine } from './engine.js';
import type { CommentInput, Reason, Verdict } from './types.js';

/** Shared by the unit tests: a comment by an ordinary author, and short views of a verdict. */
export function comment(body: string, extra: Partial<CommentInput> = {}): CommentInput {
  return { body, author: { id: 'author-1', name: 'Ann' }, ...extra };
}

export const defaultEngine = new ModerationEngine();

export function evaluate(body: string, engine: ModerationEngine = defaultEngine): Verdict {
  return engine.evaluate(comment(body));
}

export function reasonCodes(verdict: Verdict): string[] {
  return verdict.reasons.map((reason) => reason.code);
}

export function findReason(verdict: Verdict, code: string): Reason | undefined {
  return verdict.reasons.find((reason) => reason.code === code);
}

/** The texts of all spans of the reasons with `code`. */
export function spanTexts(verdict: Verdict, code: string): string[] {
  return verdict.reasons.filter((reason) => reason.code === code).flatMap((reason) => reason.spans.map((span) => span.text));
}
