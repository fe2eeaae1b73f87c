import { describe, expect, it } from 'vitest';
import { processGroupOf } from './exec.js';

describe('processGroupOf', () => {
  it('reads the process group from /proc/<pid>/stat', () => {
    expect(processGroupOf('953 (sh) S 950 952 952 0 -1 4194560 101 0 0 0')).toBe(952);
  });

  it('is not fooled by a command name with spaces or parentheses', () => {
    expect(processGroupOf('77 (a) b (c) S 70 71 71 0 -1')).toBe(71);
  });

  it('refuses what cannot be a group to kill', () => {
    expect(processGroupOf('')).toBeUndefined();
    expect(processGroupOf('5 (init) S 0 1 1 0')).toBeUndefined();
  });
});
