import { normalise, type CommentInput } from '#app/moderation-engine';
import { AdaptationError, adaptationUpdate, createAdaptation, deserializeAdaptation, serializeAdaptation } from './adaptation.js';
import { serializeModel } from './model-file.js';
import { createModelScorer } from './scorer.js';
import { sharedSyntheticModel } from './spec-helpers.js';

const input = (body: string): CommentInput => ({ body, author: { id: 'a1', name: 'Ann' } });

describe('per-site adaptation', () => {
  const model = sharedSyntheticModel();
  const scorer = createModelScorer([model]);
  const toxicityOf = (body: string, ...adaptations: ReturnType<typeof createAdaptation>[]): number => scorer.score(normalise(body), input(body), adaptations).scores.toxicity;

  // A site that rejects comments about "bananas" (a word the base model never saw) and, as
  // moderators do, approves ordinary ones.
  const decided = ['bananas are a plague on this city', 'the bananas people ruin the vote', 'bananas again in the council', 'no more bananas on the road', 'this bananas budget is a plague'];
  const approved = ['the council approved the bridge', 'good news for the school', 'traffic in the city this week', 'the mayor and the budget', 'people think the plan is good'];
  const similar = 'the plague of bananas is back';
  const unrelated = 'the mayor opened the new school';

  it('raises the score of similar texts after rejections, for that site only', () => {
    const baseModelFile = serializeModel(model);
    const site = createAdaptation(model);
    const otherSite = createAdaptation(model);
    const before = toxicityOf(similar);
    decided.forEach((text, k) => {
      adaptationUpdate(site, model, text, { toxicity: 1 });
      adaptationUpdate(site, model, approved[k], { toxicity: 0 });
    });

    expect(toxicityOf(similar, site)).toBeGreaterThan(before + 0.2);
    expect(toxicityOf(similar, otherSite)).toBe(before);
    expect(toxicityOf(similar)).toBe(before);
    expect(Math.abs(toxicityOf(unrelated, site) - toxicityOf(unrelated))).toBeLessThan(0.05);
    expect(serializeModel(model)).toBe(baseModelFile);
    expect(site.updates).toBe(2 * decided.length);
  });

  it('lowers scores after approvals, and only for the labels decided', () => {
    const site = createAdaptation(model);
    const text = 'you damn clown of a mayor';
    const before = scorer.score(normalise(text), input(text)).scores;
    for (let k = 0; k < 5; k++) adaptationUpdate(site, model, text, { toxicity: 0 });
    const after = scorer.score(normalise(text), input(text), [site]).scores;
    expect(after.toxicity).toBeLessThan(before.toxicity);
    expect(after.insult).toBe(before.insult);
  });

  it('never moves a score wildly: the logit shift is capped', () => {
    const site = createAdaptation(model, { maxLogitShift: 1 });
    const before = toxicityOf(similar);
    for (let k = 0; k < 200; k++) adaptationUpdate(site, model, similar, { toxicity: 1 });
    const logit = (p: number): number => Math.log(p / (1 - p));
    expect(logit(toxicityOf(similar, site)) - logit(before)).toBeCloseTo(1, 6);
  });

  it('serializes compactly and reads back to the same scores', () => {
    const site = createAdaptation(model);
    for (const text of decided) adaptationUpdate(site, model, text, { toxicity: 1, insult: 0 });
    const stored = serializeAdaptation(site);
    expect(stored.length).toBeLessThan(20_000);
    const restored = deserializeAdaptation(stored, model);
    expect(toxicityOf(similar, restored)).toBe(toxicityOf(similar, site));
    expect(serializeAdaptation(restored)).toBe(stored);
  });

  it('keeps at most maxFeatures offsets', () => {
    const site = createAdaptation(model, { maxFeatures: 50 });
    for (const text of decided) adaptationUpdate(site, model, text, { toxicity: 1 });
    expect(site.offsets.size).toBe(50);
  });

  it('refuses a damaged or foreign adaptation with a clear error', () => {
    const stored = serializeAdaptation(createAdaptation(model));
    expect(() => deserializeAdaptation('{oops', model)).toThrow(AdaptationError);
    expect(() => deserializeAdaptation(stored.replace('"task":"toxicity"', '"task":"spam"'), model)).toThrow(/task spam/);
    const site = createAdaptation(model);
    adaptationUpdate(site, model, similar, { toxicity: 1 });
    const damaged = JSON.parse(serializeAdaptation(site)) as { offsets: string };
    damaged.offsets = damaged.offsets.slice(0, 8);
    expect(() => deserializeAdaptation(JSON.stringify(damaged), model)).toThrow(/damaged/);
    expect(() => adaptationUpdate(createAdaptation({ ...model, task: 'spam' }), model, 'x', { toxicity: 1 })).toThrow(AdaptationError);
  });
});
