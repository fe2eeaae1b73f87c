/**
 * The server's V8 flags live in bin/nestbox.mjs's first line (bin/nestbox.mjs says why). The
 * soak runs the lab inside `npm run bench`, so that script must pass the same flags, and
 * `npm start` must run the file itself for its first line to count.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const firstLine = readFileSync(new URL('bin/nestbox.mjs', root), 'utf8').split('\n')[0] ?? '';
const scripts = (
  JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

const v8Flags = (line: string): string[] =>
  line.split(/\s+/).filter((word) => word.startsWith('--max-'));

describe('the node flags of the server', () => {
  it('are in the nestbox command, and npm start runs it as a program', () => {
    expect(firstLine).toMatch(/^#!\/usr\/bin\/env -S node /);
    expect(v8Flags(firstLine)).toEqual(['--max-semi-space-size=2']);
    expect(scripts.start).toMatch(/^bin\/nestbox\.mjs start$/);
    expect(scripts.dev).toMatch(/^bin\/nestbox\.mjs start --dev$/);
  });

  it('are the same in the benchmarks, so the soak measures the server as it runs', () => {
    expect(v8Flags(scripts.bench ?? '')).toEqual(v8Flags(firstLine));
  });
});
