import { describe, expect, it } from 'vitest';
import { foldersOf, globMatcher, matchGlob } from './glob';

const FILES = ['a.sh', 'b.py', '.env', 'conf/x.conf', 'conf/deep/y.conf', 'docs/readme.md'];

describe('globMatcher', () => {
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
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['a/**', 'a/x/y', true],
    ['*', 'a/b', false],
    ['{a,b{c,d}}.sh', 'bd.sh', true],
    ['{a,b{c,d}}.sh', 'b.sh', false],
    ['{x,y', 'y', true],
    ['a}.sh', 'a}.sh', true],
    ['a,b', 'a,b', true],
    ['*{*,q}', 'x/y', false],
    ['a+b(c)[d]', 'a+b(c)[d]', true],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(globMatcher(pattern)(path)).toBe(expected);
  });

  it('takes time in proportion to pattern and path, not exponential', () => {
    const started = Date.now();
    const names = Array.from({ length: 200 }, (_, i) => `${'a'.repeat(60)}${i}`);
    expect(matchGlob('**a**a**a**a**a**a**a**b', names)).toEqual([]);
    expect(matchGlob('*a*a*a*a*a*a*a*a*a*a*a*b', names)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
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
