import { GroupCommit } from './group-commit.js';

/** A flush that records its groups and finishes only when the test says so. */
function controlledFlush() {
  const groups: { key: string; items: string[]; finish: (error?: Error) => void }[] = [];
  const flush = (key: string, items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      groups.push({ key, items, finish: (error) => (error ? reject(error) : resolve(items.map((item) => `${item}!`))) });
    });
  return { groups, flush };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('flushes an item at once when nothing is in flight, and what arrives meanwhile together next', async () => {
    const { groups, flush } = controlledFlush();
    const commit = new GroupCommit({ maxItems: 10, flush });
    const first = commit.submit('site', 'a');
    expect(groups.map((g) => g.items)).toEqual([['a']]);
    const waiting = ['b', 'c', 'd'].map((item) => commit.submit('site', item));
    expect(groups).toHaveLength(1);
    groups[0].finish();
    expect(await first).toBe('a!');
    await settled();
    expect(groups.map((g) => g.items)).toEqual([['a'], ['b', 'c', 'd']]);
    groups[1].finish();
    expect(await Promise.all(waiting)).toEqual(['b!', 'c!', 'd!']);
    // Quiet again: the next item goes at once.
    void commit.submit('site', 'e');
    expect(groups.map((g) => g.items)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('keeps keys apart, caps groups at maxItems, and puts a repeat of a waiting item in a later group', async () => {
    const { groups, flush } = controlledFlush();
    const commit = new GroupCommit({ maxItems: 3, flush, distinctBy: (item: string) => item[0] });
    void commit.submit('one', 'a1');
    void commit.submit('two', 'b1');
    for (const item of ['a2', 'a3', 'c1', 'c2', 'd1', 'e1']) void commit.submit('one', item);
    expect(groups.map((g) => [g.key, g.items])).toEqual([['one', ['a1']], ['two', ['b1']]]);
    groups[0].finish();
    await settled();
    // A repeat waits for the group after the one holding its like; anything else takes the
    // earliest group with room.
    expect(groups[2].items).toEqual(['a2', 'c1', 'd1']);
    groups[2].finish();
    await settled();
    expect(groups[3].items).toEqual(['a3', 'c2', 'e1']);
  });

  it('fails every item of a group whose flush fails, and goes on with the next group', async () => {
    const { groups, flush } = controlledFlush();
    const commit = new GroupCommit({ maxItems: 10, flush });
    const first = commit.submit('site', 'a');
    const failing = [commit.submit('site', 'b'), commit.submit('site', 'c')];
    groups[0].finish();
    await first;
    await settled();
    const after = commit.submit('site', 'd');
    groups[1].finish(new Error('database away'));
    for (const result of failing) await expect(result).rejects.toThrow('database away');
    await settled();
    groups[2].finish();
    expect(await after).toBe('d!');
  });

  it('flushes items submitted together at once when quiet, and in the next groups when busy', async () => {
    const { groups, flush } = controlledFlush();
    const commit = new GroupCommit({ maxItems: 4, flush });
    const job = commit.submitMany('worker', ['a', 'b', 'c']);
    expect(groups.map((g) => g.items)).toEqual([['a', 'b', 'c']]);
    const later = commit.submitMany('worker', ['d', 'e', 'f']);
    const more = commit.submitMany('worker', ['g']);
    groups[0].finish();
    expect(await job).toEqual(['a!', 'b!', 'c!']);
    await settled();
    // Waiting items fill groups up to maxItems, in order.
    expect(groups.map((g) => g.items)).toEqual([['a', 'b', 'c'], ['d', 'e', 'f', 'g']]);
    groups[1].finish();
    expect(await later).toEqual(['d!', 'e!', 'f!']);
    expect(await more).toEqual(['g!']);
    expect(await commit.submitMany('worker', [])).toEqual([]);
  });
});
