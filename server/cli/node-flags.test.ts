/**
 * The server's V8 flags live in bin/nestbox.mjs's first line (bin/nestbox.mjs says why), which
 * `npx nestbox` runs through. `npm start` runs the file with node, and the soak runs the lab
 * inside `npm run bench`: both must pass the same flags.
 */
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const command = new URL('bin/nestbox.mjs', root);
const firstLine = readFileSync(command, 'utf8').split('\n')[0] ?? '';
const scripts = (
  JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

const v8Flags = (line: string): string[] =>
  line.split(/\s+/).filter((word) => /^--max-[a-z-]+=\d+$/.test(word));

describe('the node flags of the server', () => {
  it('are in the nestbox command, which runs as a program', () => {
    expect(firstLine).toMatch(/^#!\/usr\/bin\/env -S node /);
    expect(v8Flags(firstLine)).toEqual(['--max-semi-space-size=2']);
    expect(statSync(command).mode & 0o111).toBe(0o111);
  });

  it('are the same in npm start and the benchmarks, so the soak measures the server as it runs', () => {
    expect(v8Flags(scripts.start ?? '')).toEqual(v8Flags(firstLine));
    expect(v8Flags(scripts.bench ?? '')).toEqual(v8Flags(firstLine));
  });
});
