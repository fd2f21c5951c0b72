import { ModerationEngine, normalise, type CommentInput } from '#app/moderation-engine';
import { createAdaptation } from './adaptation.js';
import { loadModel, serializeModel } from './model-file.js';
import { createModelScorer } from './scorer.js';
import { sharedSyntheticModel } from './spec-helpers.js';

const input = (body: string): CommentInput => ({ body, author: { id: 'a1', name: 'Ann' } });

describe('createModelScorer', () => {
  const model = sharedSyntheticModel();
  const scorer = createModelScorer([model], { explainAbove: 0.3 });

  it('scores every label of the model as a probability', () => {
    const body = 'The council approved the bridge today';
    const { scores } = scorer.score(normalise(body), input(body));
    expect(Object.keys(scores)).toEqual(['toxicity', 'insult']);
    for (const value of Object.values(scores)) expect(value).toBeGreaterThanOrEqual(0);
    expect(scores.toxicity).toBeLessThan(0.3);
    expect(scorer.scoreNames).toEqual(['toxicity', 'insult']);
  });

  it.each([
    'The mayor approved the road plan, you IDIOT!!',
    'the bridge budget... you  1d10t',
    '  Good news today — you m.o.r.o.n, says the city. ',
    'RT @USER: you moron &amp; the council https://x.example.com',
  ])('explains high scores with spans of the original text: %s', (body) => {
    const { scores, spans } = scorer.score(normalise(body), input(body));
    expect(scores.insult).toBeGreaterThan(0.5);
    const insultSpans = spans?.insult ?? [];
    expect(insultSpans.length).toBeGreaterThan(0);
    for (const span of insultSpans) expect(body.slice(span.start, span.end)).toBe(span.text);
    expect(insultSpans.map((span) => span.text.toLowerCase()).join(' ')).toMatch(/idiot|1d10t|m\.o\.r\.o\.n|moron/);
  });

  it('gives no spans to low scores', () => {
    const body = 'the city school traffic plan';
    expect(scorer.score(normalise(body), input(body)).spans).toBeUndefined();
  });

  it('fits the engine: its scores meet the policy thresholds, with the spans in the reasons', () => {
    const engine = new ModerationEngine({ thresholds: { toxicity: { hold: 0.5 } } }, { scorers: [scorer] });
    const body = 'good article, you pathetic loser';
    const verdict = engine.evaluate(input(body));
    expect(verdict.action).toBe('hold');
    expect(verdict.scores.toxicity).toBeGreaterThan(0.5);
    const spans = verdict.reasons.flatMap((reason) => reason.spans);
    expect(spans.some((span) => /loser|pathetic/.test(span.text))).toBe(true);
    expect(engine.evaluate(input('the council approved the road budget')).action).toBe('approve');
  });

  it('shares one featurization between models with the same featurizer', () => {
    const spamLike = { ...loadModel(serializeModel(model)), task: 'other', labels: ['spam_a', 'spam_b'] };
    const both = createModelScorer([model, spamLike]);
    const body = 'you idiot';
    expect(Object.keys(both.score(normalise(body), input(body)).scores)).toEqual(['toxicity', 'insult', 'spam_a', 'spam_b']);
    expect(() => createModelScorer([model, model])).toThrow(/Two models produce the score toxicity/);
  });

  it('refuses an adaptation of another model', () => {
    const other = { ...model, featurizer: { ...model.featurizer, dimensionBits: 12 } };
    const body = 'hello';
    expect(() => scorer.score(normalise(body), input(body), [createAdaptation(other)])).toThrow(/featurizer/);
  });
});
