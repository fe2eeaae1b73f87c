import { describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import {
  clampSplit,
  parseSplit,
  SPLIT_BOOT_SCRIPT,
  SPLIT_CSS_VAR,
  SPLIT_DEFAULT,
  SPLIT_MAX,
  SPLIT_MIN,
  splitAfterKey,
} from './split';

describe('the steps/terminal split', () => {
  it('keeps a width within bounds, whole, and finite', () => {
    expect(clampSplit(5)).toBe(SPLIT_MIN);
    expect(clampSplit(99)).toBe(SPLIT_MAX);
    expect(clampSplit(42.6)).toBe(43);
    expect(clampSplit(Number.NaN)).toBe(SPLIT_DEFAULT);
  });

  it('reads only plain stored numbers', () => {
    expect(parseSplit(null)).toBe(SPLIT_DEFAULT);
    expect(parseSplit('55')).toBe(55);
    expect(parseSplit('1e2')).toBe(SPLIT_DEFAULT);
    expect(parseSplit('-10')).toBe(SPLIT_DEFAULT);
    expect(parseSplit('900')).toBe(SPLIT_MAX);
  });

  it('moves with arrow keys and jumps with Home/End', () => {
    expect(splitAfterKey(40, 'ArrowRight')).toBe(45);
    expect(splitAfterKey(40, 'ArrowLeft')).toBe(35);
    expect(splitAfterKey(SPLIT_MIN, 'ArrowLeft')).toBe(SPLIT_MIN);
    expect(splitAfterKey(40, 'Home')).toBe(SPLIT_MIN);
    expect(splitAfterKey(40, 'End')).toBe(SPLIT_MAX);
    expect(splitAfterKey(40, 'a')).toBeUndefined();
  });
});

describe('the split boot script', () => {
  it('applies a stored width the way parseSplit reads it, and ignores junk', () => {
    for (const stored of [null, '55', '5', '900', 'junk', '1e2']) {
      const set = new Map<string, string>();
      runInNewContext(SPLIT_BOOT_SCRIPT, {
        localStorage: { getItem: () => stored },
        document: {
          documentElement: {
            style: {
              setProperty: (name: string, value: string) => {
                set.set(name, value);
              },
            },
          },
        },
      });
      const expected = parseSplit(stored);
      if (stored === null || stored === 'junk' || stored === '1e2') expect(set.size).toBe(0);
      else expect(set.get(SPLIT_CSS_VAR)).toBe(`${expected}%`);
    }
  });
});
