import type { ListCategory } from './policy-types.js';
import type { ReasonCategory } from './types.js';

export const LIST_CATEGORIES: readonly ListCategory[] = [
  'profanity', 'insult', 'identity_attack', 'threat', 'sexual', 'self_harm', 'spam',
];

export const REASON_CATEGORIES: readonly ReasonCategory[] = [...LIST_CATEGORIES, 'length', 'policy'];

export function isReasonCategory(name: string): name is ReasonCategory {
  return (REASON_CATEGORIES as readonly string[]).includes(name);
}
