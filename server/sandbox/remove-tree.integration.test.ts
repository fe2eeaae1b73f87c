import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTree } from './remove-tree.js';

describe('removeTree (as root)', () => {
  it('detaches what an interrupted build left mounted, then removes the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nestbox-remove-tree-'));
    await mkdir(join(dir, 'proc'));
    await mkdir(join(dir, 'scratch'));
    execFileSync('mount', ['-t', 'proc', 'proc', join(dir, 'proc')]);
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(dir, 'scratch')]);
    await writeFile(join(dir, 'scratch/file'), 'x');
    await writeFile(join(dir, 'plain'), 'y');

    await removeTree(dir);

    expect(existsSync(dir)).toBe(false);
    const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
    expect(mountinfo).not.toContain(dir);
    // The host's /proc was never walked into.
    expect(existsSync('/proc/self/status')).toBe(true);
  });

  it('removes a directory without mounts, and accepts one that does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nestbox-remove-tree-'));
    await writeFile(join(dir, 'file'), 'z');
    await removeTree(dir);
    expect(existsSync(dir)).toBe(false);
    await expect(removeTree(dir)).resolves.toBeUndefined();
  });
});
