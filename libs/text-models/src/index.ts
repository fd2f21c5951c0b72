export { maskArtefacts, type MaskedText } from './artefacts.js';
export {
  ADAPTATION_FORMAT,
  AdaptationError,
  DEFAULT_ADAPTATION_OPTIONS,
  adaptationMismatch,
  adaptationUpdate,
  createAdaptation,
  deserializeAdaptation,
  serializeAdaptation,
  type Adaptation,
  type AdaptationOptions,
} from './adaptation.js';
export { fitPlatt } from './calibration.js';
export { DATASET_FORMATS_HELP, DatasetError, parseDelimited, readLabelledFile, type LabelledText, type ReadDataset } from './datasets.js';
export {
  MIN_CLASS_EXAMPLES,
  equalSourceWeights,
  evaluateScores,
  labelColumn,
  labelMetrics,
  scoreTexts,
  type EvaluationOptions,
  type LabelMetrics,
  type ModelEvaluation,
} from './evaluation.js';
export { DEFAULT_FEATURIZER_PARAMS, Featurizer, Features, featurizerKey, type FeaturizerParams } from './featurizer.js';
export {
  DEFAULT_PRIORS,
  TASK_LABELS,
  calibrated,
  isTask,
  modelLogits,
  type LinearModel,
  type PlattCalibration,
  type ScoreThresholds,
  type SparseVector,
  type Task,
} from './linear-model.js';
export {
  averagePrecision,
  brierScore,
  chooseThresholds,
  expectedCalibrationError,
  metricsAt,
  priorWeights,
  reliability,
  rocAuc,
  type Confusion,
  type ReliabilityBucket,
  type ThresholdMetrics,
} from './metrics.js';
export { MODEL_FORMAT, ModelFileError, loadModel, serializeModel, type ModelFile } from './model-file.js';
export { createModelScorer, type ModelScorer, type ModelScorerOptions } from './scorer.js';
export { duplicateKey, splitExamples, type SplitExamples, type SplitName, type SplitOptions } from './split.js';
export {
  DEFAULT_HYPERPARAMETERS,
  trainTextModel,
  type TrainModelOptions,
  type TrainedModel,
  type TrainingHyperparameters,
  type TrainingProgress,
} from './train-model.js';
