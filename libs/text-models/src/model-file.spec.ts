import { scoreTexts } from './evaluation.js';
import { ModelFileError, loadModel, serializeModel, type ModelFile } from './model-file.js';
import { sharedSyntheticModel } from './spec-helpers.js';

describe('model file', () => {
  const model = sharedSyntheticModel();
  const json = serializeModel(model);
  const texts = ['you idiot', 'the council approved the bridge', 'damn the traffic'];

  it('round-trips: the loaded model scores like the trained one (int8 weights) and saves to the same bytes', () => {
    const loaded = loadModel(json, 'test');
    expect(loaded.labels).toEqual(model.labels);
    expect(loaded.thresholds).toEqual(model.thresholds);
    const before = scoreTexts(model, texts);
    const after = scoreTexts(loaded, texts);
    for (let head = 0; head < before.length; head++) {
      for (let i = 0; i < texts.length; i++) expect(Math.abs(after[head][i] - before[head][i])).toBeLessThan(0.03);
    }
    expect(serializeModel(loaded)).toBe(json);
  });

  it('is versioned JSON with compact weights', () => {
    const file = JSON.parse(json) as ModelFile;
    expect(file.format).toBe('threadkeeper-linear-v1');
    expect(file.weights.encoding).toBe('int8-sqrt');
    expect(Buffer.from(file.weights.data, 'base64')).toHaveLength(2 ** 14 * 2);
  });

  const flipOneCharacter = (data: string): string => {
    const middle = Math.floor(data.length / 2);
    return `${data.slice(0, middle)}${data[middle] === 'B' ? 'C' : 'B'}${data.slice(middle + 1)}`;
  };

  const corrupt = (change: (file: ModelFile) => void): string => {
    const file = JSON.parse(json) as ModelFile;
    change(file);
    return JSON.stringify(file);
  };

  it.each([
    ['a truncated file', json.slice(0, json.length / 2), /not JSON/],
    ['another format', corrupt((file) => ((file as { format: string }).format = 'other-v9')), /format is "other-v9"/],
    ['altered weights', corrupt((file) => (file.weights.data = flipOneCharacter(file.weights.data))), /checksum/],
    ['a missing bias', corrupt((file) => (file.bias = [1])), /bias must be an array of 2 finite numbers/],
    ['bad featurizer parameters', corrupt((file) => (file.featurizer = { ...file.featurizer, dimensionBits: 99 })), /featurizer: dimensionBits/],
    ['a bad threshold', corrupt((file) => (file.thresholds = { toxicity: { hold: 3 } })), /thresholds.toxicity.hold/],
  ])('rejects %s with a clear error naming the file', (_kind, text, problem) => {
    expect(() => loadModel(text, 'models/x.json')).toThrow(ModelFileError);
    expect(() => loadModel(text, 'models/x.json')).toThrow(problem);
    expect(() => loadModel(text, 'models/x.json')).toThrow(/^models\/x\.json: not a usable threadkeeper-linear-v1 model file/);
  });
});
