import { describe, expect, it } from 'vitest';
import type { Page } from '../../lib/scenario/index';
import { foregroundText, scriptArgv } from './runtime';

describe('scriptArgv', () => {
  it('runs scripts without a #! line, or with a bash one, in bash', () => {
    expect(scriptArgv('ls')).toEqual(['/bin/bash', '-c', 'ls', 'nestbox-script']);
    expect(scriptArgv('#!/bin/bash\nls', 'verify')[0]).toBe('/bin/bash');
    expect(scriptArgv('#!/usr/bin/env bash\nls')[0]).toBe('/bin/bash');
  });

  it('runs scripts with another #! line from a file, so the interpreter counts', () => {
    const argv = scriptArgv('#!/usr/bin/python3\nprint(1)', 'verify');
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv.slice(3)).toEqual(['verify', '#!/usr/bin/python3\nprint(1)']);
  });
});

describe('foregroundText', () => {
  const page = (foreground: string | undefined): Page => ({
    title: 't',
    file: 'intro.md',
    markdown: '',
    scripts: foreground === undefined ? {} : { foreground },
    scriptFiles: {},
    line: 1,
  });

  it('is the script, ending in a newline so its last line runs', () => {
    expect(foregroundText(page('cd /root/app'))).toBe('cd /root/app\n');
    expect(foregroundText(page('clear\n'))).toBe('clear\n');
  });

  it('is nothing for a page without one, or an empty one', () => {
    expect(foregroundText(page(undefined))).toBeUndefined();
    expect(foregroundText(page(' \n'))).toBeUndefined();
  });
});
