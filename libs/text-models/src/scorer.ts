import type { CommentInput, NormalisedText, Scorer, ScorerResult, Span } from '#app/moderation-engine';
import { adaptationMismatch, adaptationShift, offsetsOf, type Adaptation } from './adaptation.js';
import { explainScore } from './explain.js';
import { Featurizer, featurizerKey, type Features } from './featurizer.js';
import { calibrated, modelLogits, type LinearModel } from './linear-model.js';

export interface ModelScorerOptions {
  /** Scores at or above this get explanation spans (below it nobody will read them). */
  readonly explainAbove?: number;
  /** Phrases per explained score, at most. */
  readonly maxSpans?: number;
}

/**
 * The engine's Scorer for trained models, whose `score` also takes a site's adaptations (one per
 * model task; the others score as the base model).
 */
export interface ModelScorer extends Scorer {
  readonly models: readonly LinearModel[];
  /** Score names produced: every label of every model. */
  readonly scoreNames: readonly string[];
  score(text: NormalisedText, input: CommentInput, adaptations?: readonly Adaptation[]): ScorerResult;
  /**
   * A Scorer for one site, scoring with its adaptations. They are read at every call, so
   * updates made to them later apply at once.
   */
  withAdaptations(adaptations: readonly Adaptation[]): Scorer;
}

const DEFAULT_EXPLAIN_ABOVE = 0.3;
const DEFAULT_MAX_SPANS = 3;

/** Models that hash texts the same way, scored from one featurization. */
interface FeaturizerGroup {
  readonly featurizer: Featurizer;
  readonly models: readonly LinearModel[];
}

/**
 * Wraps trained models (see loadModel) as one engine Scorer named `text-models`: each label of
 * each model becomes a score of that name (calibrated probability), with spans pointing at the
 * words that pushed it most.
 *
 * @throws Error when two models produce the same score name.
 */
export function createModelScorer(models: readonly LinearModel[], options: ModelScorerOptions = {}): ModelScorer {
  const explainAbove = options.explainAbove ?? DEFAULT_EXPLAIN_ABOVE;
  const maxSpans = options.maxSpans ?? DEFAULT_MAX_SPANS;
  const scoreNames = models.flatMap((model) => model.labels);
  const repeated = scoreNames.find((name, k) => scoreNames.indexOf(name) !== k);
  if (repeated !== undefined) throw new Error(`Two models produce the score ${repeated}`);

  const groups = new Map<string, { featurizer: Featurizer; models: LinearModel[] }>();
  for (const model of models) {
    const key = featurizerKey(model.featurizer);
    const group = groups.get(key) ?? { featurizer: new Featurizer(model.featurizer), models: [] };
    group.models.push(model);
    groups.set(key, group);
  }
  const featurizerGroups: readonly FeaturizerGroup[] = [...groups.values()];
  const maxHeads = Math.max(1, ...models.map((model) => model.labels.length));
  const logits = new Float64Array(maxHeads);
  const shift = new Float64Array(maxHeads);

  function scoreModel(model: LinearModel, features: Features, adaptation: Adaptation | undefined, result: ScorerResult): void {
    const heads = model.labels.length;
    modelLogits(model, features, logits);
    if (adaptation === undefined) shift.fill(0);
    else adaptationShift(adaptation, features, shift);
    for (let head = 0; head < heads; head++) {
      const label = model.labels[head];
      const { slope } = model.calibration[head];
      const probability = calibrated(model.calibration[head], logits[head], shift[head]);
      result.scores[label] = probability;
      if (probability < explainAbove) continue;
      // Contributions to the calibrated logit: the base weight through the slope, plus the site's offset.
      const weightOf = (slot: number): number => {
        const index = features.indices[slot];
        const offsets = adaptation === undefined ? undefined : offsetsOf(adaptation, index);
        return slope * model.weights[index * heads + head] + (offsets?.[head] ?? 0);
      };
      const spans: Span[] = explainScore(features, weightOf, maxSpans);
      if (spans.length > 0) (result.spans ??= {})[label] = spans;
    }
  }

  function score(text: NormalisedText, _input: CommentInput, adaptations: readonly Adaptation[] = []): ScorerResult {
    const result: ScorerResult = { scores: {} };
    for (const group of featurizerGroups) {
      const features = group.featurizer.run(text.original, text);
      for (const model of group.models) {
        const adaptation = adaptations.find((candidate) => candidate.task === model.task);
        if (adaptation !== undefined) {
          const mismatch = adaptationMismatch(adaptation, model);
          if (mismatch !== undefined) throw new Error(`Site adaptation does not fit model ${model.task} v${model.version}: ${mismatch}`);
        }
        scoreModel(model, features, adaptation, result);
      }
    }
    return result;
  }

  const name = 'text-models';
  return {
    name,
    models,
    scoreNames,
    score,
    withAdaptations: (adaptations) => ({ name, score: (text, input) => score(text, input, adaptations) }),
  };
}
