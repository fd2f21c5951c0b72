/**
 * What a moderator's decision teaches the models: an approval says the comment is none of the
 * things the models score; a rejection for a reason the models cover says it is that. Other
 * rejections (off topic, personal information) say nothing about toxicity or spam.
 */
export function learningLabels(action: 'approve' | 'reject', reasonCode: string): Record<string, 0 | 1> | null {
  if (action === 'approve') return { toxicity: 0, insult: 0, identity_attack: 0, profanity: 0, spam: 0 };
  switch (reasonCode) {
    case 'insult':
      return { toxicity: 1, insult: 1 };
    case 'hate':
      return { toxicity: 1, identity_attack: 1 };
    case 'threat':
      return { toxicity: 1 };
    case 'spam':
      return { spam: 1 };
    default:
      return null;
  }
}
