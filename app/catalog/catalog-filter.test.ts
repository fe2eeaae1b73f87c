import { describe, expect, it } from 'vitest';
import { matchesQuery, queryWords } from './catalog-filter';

describe('catalog search', () => {
  it('splits a query into lower-case words and ignores blank space', () => {
    expect(queryWords('  Cgroup   EASY ')).toEqual(['cgroup', 'easy']);
    expect(queryWords('   ')).toEqual([]);
  });

  it('keeps every card for an empty query', () => {
    expect(matchesQuery('anything', queryWords(''))).toBe(true);
  });

  it('needs every word, in any order and case', () => {
    const card = 'Metering CPU with cgroups · Beginner · Container isolation';
    expect(matchesQuery(card, queryWords('beginner CGROUP'))).toBe(true);
    expect(matchesQuery(card, queryWords('cgroup advanced'))).toBe(false);
    expect(matchesQuery(card, queryWords('namespaces'))).toBe(false);
  });
});
