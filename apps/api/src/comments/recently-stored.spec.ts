import { RecentlyStored } from './recently-stored.js';

describe('RecentlyStored', () => {
  it('knows a row stored with the same values within the TTL, and forgets it after', () => {
    const stored = new RecentlyStored(1000, 10);
    stored.remember('site-a/article-1', '["Title","https://x"]', 0);
    expect(stored.has('site-a/article-1', '["Title","https://x"]', 500)).toBe(true);
    expect(stored.has('site-a/article-1', undefined, 500)).toBe(true);
    expect(stored.has('site-a/article-1', '["New title","https://x"]', 500)).toBe(false);
    expect(stored.has('site-a/article-2', undefined, 500)).toBe(false);
    expect(stored.has('site-a/article-1', '["Title","https://x"]', 1000)).toBe(false);
  });

  it('keeps at most maxEntries, dropping the least recently stored, and forgets a whole site', () => {
    const stored = new RecentlyStored(60_000, 2);
    stored.remember('site-a/1', 'v', 0);
    stored.remember('site-b/1', 'v', 0);
    stored.remember('site-a/1', 'v', 1);
    stored.remember('site-a/2', 'v', 2);
    expect(['site-a/1', 'site-b/1', 'site-a/2'].map((key) => stored.has(key, 'v', 3))).toEqual([true, false, true]);
    stored.forgetSite('site-a');
    expect(stored.has('site-a/1', 'v', 3) || stored.has('site-a/2', 'v', 3)).toBe(false);
  });
});
