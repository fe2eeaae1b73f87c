import { describe, expect, it } from 'vitest';
import { foldersOf, globToRegExp, matchGlob } from './glob';

const FILES = ['a.sh', 'b.py', '.env', 'conf/x.conf', 'conf/deep/y.conf', 'docs/readme.md'];

describe('globToRegExp', () => {
  it.each([
    ['*.sh', 'a.sh', true],
    ['*.sh', 'conf/a.sh', false],
    ['**/*.conf', 'conf/deep/y.conf', true],
    ['**/*.conf', 'top.conf', true],
    ['conf/**', 'conf/deep/y.conf', true],
    ['?.py', 'b.py', true],
    ['{a,b}.*', 'b.py', true],
    ['a.sh', 'axsh', false],
    ['./a.sh', 'a.sh', true],
    ['conf/', 'conf', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(globToRegExp(pattern).test(path)).toBe(expected);
  });
});

describe('matchGlob', () => {
  it('matches files and whole folders, leaving out what a matched folder holds', () => {
    expect(matchGlob('*', FILES)).toEqual(['.env', 'a.sh', 'b.py', 'conf', 'docs']);
    expect(matchGlob('conf/**', FILES)).toEqual(['conf/deep', 'conf/x.conf']);
    expect(matchGlob('**/*.conf', FILES)).toEqual(['conf/deep/y.conf', 'conf/x.conf']);
    expect(matchGlob('nothing', FILES)).toEqual([]);
  });

  it('lists the folders of a set of files', () => {
    expect(foldersOf(FILES)).toEqual(['conf', 'conf/deep', 'docs']);
  });
});
