import { evaluateScores, scoreTexts } from './evaluation.js';
import { serializeModel } from './model-file.js';
import { sharedSyntheticModel, syntheticExamples, trainSynthetic } from './spec-helpers.js';
import { splitExamples } from './split.js';

describe('trainTextModel', () => {
  it('is reproducible: same data and seed give a byte-identical model file', () => {
    const examples = syntheticExamples(400, 11);
    const first = serializeModel(trainSynthetic(examples, 5).model);
    expect(serializeModel(trainSynthetic(examples, 5).model)).toBe(first);
    expect(serializeModel(trainSynthetic(examples, 6).model)).not.toBe(first);
  });

  it('learns the labels: held-out texts rank well and keep each label apart', () => {
    const { model, splits } = trainSynthetic();
    const scores = scoreTexts(model, splits.test.map((example) => example.text));
    const { overall } = evaluateScores(model, splits.test, scores, { priors: false });
    expect(overall.toxicity.rocAuc).toBeGreaterThan(0.95);
    expect(overall.insult.rocAuc).toBeGreaterThan(0.95);
    // Swearing is toxic but not an insult.
    const [toxicity, insult] = scoreTexts(model, ['the mayor approved the damn budget today', 'the mayor approved the budget today you moron']);
    expect(toxicity[0]).toBeGreaterThan(0.5);
    expect(insult[0]).toBeLessThan(insult[1]);
  });

  it('calibrates for the prior: mean score near the prior on a reweighted sample, high and low scores right', () => {
    const model = sharedSyntheticModel();
    const examples = syntheticExamples(600, 99);
    const [toxicity] = scoreTexts(model, examples.map((example) => example.text));
    // Reweighing positives to the 0.3 prior, the weighted mean score should be about 0.3.
    const positives = examples.filter((example) => example.labels.toxicity === 1).length;
    const weightOf = (label: number | undefined): number => (label === 1 ? 0.3 / positives : 0.7 / (examples.length - positives));
    const meanScore = examples.reduce((sum, example, i) => sum + weightOf(example.labels.toxicity) * toxicity[i], 0);
    expect(meanScore).toBeGreaterThan(0.2);
    expect(meanScore).toBeLessThan(0.4);
    const { overall } = evaluateScores(model, examples, scoreTexts(model, examples.map((example) => example.text)));
    expect(overall.toxicity.expectedCalibrationError).toBeLessThan(0.1);
    expect(model.thresholds.toxicity.hold).toBeGreaterThan(0);
  });

  it('leaves out labels with too few examples of a class, and says why', () => {
    const examples = syntheticExamples(300, 4).map((example) => ({ ...example, labels: { toxicity: example.labels.toxicity } }));
    const { model, droppedLabels } = trainSynthetic(examples);
    expect(model.labels).toEqual(['toxicity']);
    expect(droppedLabels).toEqual({ insult: '0 positive and 0 negative training texts, fewer than 20' });
  });
});

describe('splitExamples', () => {
  it('keeps duplicates together (merging labels) and splits by a seeded hash', () => {
    const examples = [
      { text: 'Same text!', source: 'a', labels: { spam: 0 as const } },
      { text: 'RT @bob_1: same   TEXT', source: 'b', labels: { spam: 1 as const } },
      ...Array.from({ length: 200 }, (_, k) => ({ text: `text number ${k}`, source: 'a', labels: { spam: (k % 2) as 0 | 1 } })),
    ];
    const split = splitExamples(examples, { seed: 1, holdout: 0.2, calibration: 0.2 });
    expect(split.duplicates).toBe(1);
    const all = [...split.train, ...split.calibration, ...split.test];
    expect(all).toHaveLength(201);
    expect(all.find((example) => example.text === 'Same text!')?.labels).toEqual({ spam: 1 });
    expect(split.test.length).toBeGreaterThan(20);
    expect(split.test.length).toBeLessThan(60);
    expect(splitExamples(examples, { seed: 1, holdout: 0.2, calibration: 0.2 }).test).toEqual(split.test);
    expect(splitExamples(examples, { seed: 2, holdout: 0.2, calibration: 0.2 }).test).not.toEqual(split.test);
  });
});
