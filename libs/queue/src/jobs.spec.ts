import { moderateJobId } from './jobs.js';

const X = '0190a0b0-0000-7000-8000-00000000000a';
const Y = '0190a0b0-0000-7000-8000-00000000000b';
const Z = '0190a0b0-0000-7000-8000-00000000000c';
const check = (commentId: string, revision = 1) => ({ commentId, revision });

describe('moderateJobId', () => {
  it("names a lone check by its comment, and its revision after an edit", () => {
    expect(moderateJobId([check(X)])).toBe(X);
    expect(moderateJobId([check(X, 3)])).toBe(`${X}.r3`);
  });

  it('gives the same checks the same id, so a repeat adds no second job', () => {
    expect(moderateJobId([check(X), check(Y)])).toBe(moderateJobId([check(X), check(Y)]));
  });

  it('never gives two groups with the same first check and size the same id', () => {
    const retriedWithNew = moderateJobId([check(X), check(Z)]);
    expect(retriedWithNew).not.toBe(moderateJobId([check(X), check(Y)]));
    expect(retriedWithNew).not.toBe(moderateJobId([check(X), check(Z, 2)]));
    expect(retriedWithNew).toMatch(new RegExp(`^${X}\\.g2\\.[\\w-]{16}$`));
  });

});
