import { AhoCorasick } from './aho-corasick.js';

/** Every (pattern id, end offset) the automaton reports over `text`. */
function occurrences(automaton: AhoCorasick, text: string): string[] {
  const found: string[] = [];
  let state = AhoCorasick.ROOT;
  for (let i = 0; i < text.length; i++) {
    state = automaton.step(state, text.charCodeAt(i));
    for (let o = automaton.firstOutput(state); o < automaton.endOutput(state); o++) found.push(`${automaton.outputAt(o)}@${i + 1}`);
  }
  return found.sort();
}

function naiveOccurrences(patterns: string[], text: string): string[] {
  const found: string[] = [];
  patterns.forEach((pattern, id) => {
    for (let at = text.indexOf(pattern); at >= 0; at = text.indexOf(pattern, at + 1)) found.push(`${id}@${at + pattern.length}`);
  });
  return found.sort();
}

describe('AhoCorasick', () => {
  it('finds overlapping and nested patterns', () => {
    const patterns = ['he', 'she', 'his', 'hers'];
    expect(occurrences(new AhoCorasick(patterns), 'ushers')).toEqual(naiveOccurrences(patterns, 'ushers'));
  });

  it('handles characters outside ASCII through failure links', () => {
    const patterns = ['ü', 'süß', 'ßx', 'жжж', 'ж a'];
    const text = 'süßx жжжж a';
    expect(occurrences(new AhoCorasick(patterns), text)).toEqual(naiveOccurrences(patterns, text));
  });

  it('agrees with a naive search on random texts', () => {
    // A tiny deterministic generator keeps the test reproducible.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (length: number): string => Array.from({ length }, () => 'abcé'[random(4)]).join('');
    for (let round = 0; round < 50; round++) {
      const patterns = Array.from({ length: 1 + random(12) }, () => word(1 + random(5)));
      const text = word(200);
      expect(occurrences(new AhoCorasick(patterns), text)).toEqual(naiveOccurrences(patterns, text));
    }
  });

  it('never matches an empty pattern', () => {
    expect(occurrences(new AhoCorasick(['', 'a']), 'aa')).toEqual(['1@1', '1@2']);
  });
});
