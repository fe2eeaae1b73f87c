/**
 * The I/O edges of the cgroup code that a v1 or hybrid host can still check: layout detection
 * by filesystem type (against whatever filesystems this host has) and the v2 kill path (against
 * a folder standing in for the v2 tree).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killCgroupTree } from './cgroup-tree.js';
import { detectCgroupLayout } from './cgroups.js';

const scratch = mkdtempSync(join(tmpdir(), 'nestbox-layout-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('detectCgroupLayout', () => {
  it('calls a cgroup2 filesystem v2', async (context) => {
    // The unified tree of a hybrid host, or the root of a v2 host, is a real cgroup2 mount.
    const cgroup2 = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];
    const found = [];
    for (const dir of cgroup2) {
      if (existsSync(`${dir}/cgroup.controllers`)) found.push(dir);
    }
    if (found.length === 0) context.skip();
    expect(await detectCgroupLayout(found[0])).toBe('v2');
  });

  it('calls a tmpfs without a unified tree v1, and anything else no layout', async () => {
    // /dev/shm is a tmpfs on any Linux host, like the tmpfs a v1 host mounts its controllers in.
    expect(await detectCgroupLayout('/dev/shm')).toBe('v1');
    expect(await detectCgroupLayout(scratch)).toBeUndefined();
    expect(await detectCgroupLayout(join(scratch, 'missing'))).toBeUndefined();
  });
});

describe('killCgroupTree on v2', () => {
  it("writes 1 to the sandbox cgroup's cgroup.kill, which kills its whole subtree", async () => {
    mkdirSync(join(scratch, 'nestbox/nestbox-1'), { recursive: true });
    await killCgroupTree('v2', [scratch], 'nestbox/nestbox-1');
    expect(readFileSync(join(scratch, 'nestbox/nestbox-1/cgroup.kill'), 'utf8')).toBe('1');
  });

  it('ignores a cgroup that is already gone', async () => {
    await expect(killCgroupTree('v2', [scratch], 'nestbox/gone')).resolves.toBeUndefined();
  });
});
