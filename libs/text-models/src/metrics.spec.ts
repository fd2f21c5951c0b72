import { fitPlatt } from './calibration.js';
import { seededRandom } from './hashing.js';
import { averagePrecision, brierScore, chooseThresholds, metricsAt, priorWeights, reliability, rocAuc } from './metrics.js';

describe('metrics', () => {
  it('computes ROC AUC, with ties counting half', () => {
    expect(rocAuc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
    expect(rocAuc([0.9, 0.4, 0.6, 0.1], [1, 1, 0, 0])).toBe(0.75);
    expect(rocAuc([0.5, 0.5], [1, 1])).toBeNaN();
  });

  it('computes average precision', () => {
    expect(averagePrecision([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])).toBe(1);
    // Ranked: +, −, + → (1/1 + 2/3) / 2.
    expect(averagePrecision([0.9, 0.5, 0.4], [1, 0, 1])).toBeCloseTo(5 / 6, 10);
  });

  it('computes precision, recall and F1 at a threshold, with weights', () => {
    const m = metricsAt([0.9, 0.6, 0.4, 0.2], [1, 0, 1, 0], 0.5);
    expect([m.truePositives, m.falsePositives, m.falseNegatives, m.trueNegatives]).toEqual([1, 1, 1, 1]);
    expect([m.precision, m.recall, m.f1]).toEqual([0.5, 0.5, 0.5]);
    const weighted = metricsAt([0.9, 0.6], [1, 0], 0.5, [3, 1]);
    expect(weighted.precision).toBe(0.75);
  });

  it('reweighs to a prior, keeping the total', () => {
    const labels = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const weights = priorWeights(labels, 0.1);
    const total = weights.reduce((sum, w) => sum + w, 0);
    const positive = weights[0] + weights[1];
    expect(total).toBeCloseTo(10, 10);
    expect(positive / total).toBeCloseTo(0.1, 10);
  });

  it('measures calibration: Brier score and reliability buckets', () => {
    expect(brierScore([1, 0], [1, 0])).toBe(0);
    expect(brierScore([0.5, 0.5], [1, 0])).toBe(0.25);
    const buckets = reliability([0.05, 0.15, 0.95, 0.97], [0, 0, 1, 1], 10);
    expect(buckets[9]).toMatchObject({ weight: 2, positiveRate: 1 });
    expect(buckets[0].meanScore).toBeCloseTo(0.05, 10);
  });

  it('chooses the best-F1 threshold and a precise one', () => {
    const { bestF1, precise } = chooseThresholds([0.9, 0.8, 0.7, 0.3, 0.2], [1, 1, 0, 1, 0], 0.95);
    expect(bestF1.threshold).toBe(0.3);
    expect(precise?.threshold).toBe(0.8);
  });
});

describe('fitPlatt', () => {
  it('recovers the slope and intercept that generated the labels', () => {
    const random = seededRandom(3);
    const logits: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const logit = random() * 8 - 4;
      logits.push(logit);
      labels.push(random() < 1 / (1 + Math.exp(-(2 * logit - 1))) ? 1 : 0);
    }
    const { slope, intercept } = fitPlatt(logits, labels);
    expect(slope).toBeCloseTo(2, 0);
    expect(intercept).toBeCloseTo(-1, 0);
  });

  it('needs both classes', () => {
    expect(() => fitPlatt([1, 2], [1, 1])).toThrow(/positive and negative/);
  });
});
