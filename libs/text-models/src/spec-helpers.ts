import type { LabelledText } from './datasets.js';
import type { FeaturizerParams } from './featurizer.js';
import { seededRandom } from './hashing.js';
import type { LinearModel } from './linear-model.js';
import { trainTextModel, type TrainedModel } from './train-model.js';

const NEUTRAL = ['the', 'you', 'council', 'approved', 'bridge', 'budget', 'today', 'after', 'vote', 'people', 'think', 'road', 'plan', 'good', 'news', 'article', 'week', 'school', 'city', 'mayor', 'traffic'];
const INSULTS = ['idiot', 'moron', 'stupid', 'scum', 'loser', 'clown', 'imbecile', 'pathetic'];
const SWEARS = ['damn', 'crap', 'hell', 'bloody'];

/** Small featurizer for tests: fast, still large enough to avoid collisions on a tiny vocabulary. */
export const TEST_FEATURIZER: FeaturizerParams = { dimensionBits: 14, wordBigrams: true, charNgramMin: 3, charNgramMax: 4, maxWordLength: 20, wordWeight: 3 };

/**
 * Comments of neutral words; about a third insult someone (toxicity and insult 1), some of the
 * rest swear without insulting (toxicity 1, insult 0). Two sources, so per-source code runs.
 */
export function syntheticExamples(count: number, seed: number): LabelledText[] {
  const random = seededRandom(seed);
  const pick = (words: readonly string[]): string => words[Math.floor(random() * words.length)];
  return Array.from({ length: count }, (_, k) => {
    const words = Array.from({ length: 5 + Math.floor(random() * 8) }, () => pick(NEUTRAL));
    const kind = random();
    const insult = kind < 0.35;
    const swear = !insult && kind < 0.5;
    if (insult) words.splice(Math.floor(random() * words.length), 0, 'you', pick(INSULTS));
    if (swear) words.splice(Math.floor(random() * words.length), 0, pick(SWEARS));
    return { text: `${words.join(' ')} #${k}`, source: k % 2 === 0 ? 'forum' : 'news', labels: { toxicity: insult || swear ? 1 : 0, insult: insult ? 1 : 0 } };
  });
}

export function trainSynthetic(examples: readonly LabelledText[] = syntheticExamples(900, 7), seed = 1): TrainedModel {
  return trainTextModel(examples, {
    task: 'toxicity',
    labels: ['toxicity', 'insult'],
    version: 1,
    seed,
    holdout: 0.2,
    calibration: 0.2,
    priors: { toxicity: 0.3, insult: 0.2 },
    hyperparameters: { featurizer: TEST_FEATURIZER, epochs: 3, minExamplesPerClass: 20 },
    trainedAt: '2026-01-01',
  });
}

let shared: LinearModel | undefined;

/** One synthetic model for the specs that only read it (training takes a moment). */
export function sharedSyntheticModel(): LinearModel {
  shared ??= trainSynthetic().model;
  return shared;
}
