import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { chmod, link, lstat, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shiftOwnership } from './rootfs.js';
import { openTestHost, startSandbox, waitUntilRunning, type TestHost } from './test-helpers.js';

/** Own uid ranges and parent cgroups, clear of the other suites (see test-helpers.ts). */
const ID_BASE = 1_700_000_000;

function cacheDir(test: TestHost): string {
  return join(test.config.dataDir, 'shifted-rootfs', test.config.cgroupParent);
}

function copies(test: TestHost): string[] {
  try {
    return readdirSync(cacheDir(test)).sort();
  } catch {
    return [];
  }
}

const hosts: TestHost[] = [];
afterAll(async () => {
  for (const host of hosts) {
    await host.close();
    await rm(cacheDir(host), { recursive: true, force: true });
  }
});

async function open(name: string, offset: number, env: Record<string, string>): Promise<TestHost> {
  const test = await openTestHost(name, 0, {
    NESTBOX_ID_BASE: String(ID_BASE + offset),
    ...env,
  });
  hosts.push(test);
  return test;
}

const SHELL_CHECK =
  'stat -c %u:%g /; stat -c %U:%G /etc/passwd /usr/bin/env /root; stat -c %a /usr/bin/passwd; ' +
  'touch /usr/x && echo writable; id -u';

describe('NESTBOX_ROOTFS_MODE=auto on this machine', () => {
  it('finds idmapped mounts working and uses them', async () => {
    const test = await open('rootfs-auto', 0, {});
    expect(test.host.rootfs).toEqual({ mode: 'idmap' });
    expect(copies(test)).toEqual([]);
  });
});

describe('NESTBOX_ROOTFS_MODE=shifted (the fallback)', () => {
  it('gives two ranges each a working shell with root owning a writable /, and removes the copies', async () => {
    const test = await open('rootfs-shifted', 10_000_000, {
      NESTBOX_ROOTFS_MODE: 'shifted',
      NESTBOX_SHIFTED_KEEP: '0',
    });
    expect(test.host.rootfs).toEqual({ mode: 'shifted' });
    const a = await startSandbox(test.host, 'exec sleep 300', { shell: '/bin/bash' });
    const b = await startSandbox(test.host, 'exec sleep 300', { shell: '/bin/bash' });
    try {
      await Promise.all([waitUntilRunning(a.sandbox), waitUntilRunning(b.sandbox)]);
      expect(a.sandbox.idRange.hostId).not.toBe(b.sandbox.idRange.hostId);
      for (const { sandbox } of [a, b]) {
        const result = await sandbox.exec(['/bin/bash', '-c', SHELL_CHECK]);
        expect(result.stdout.trim().split('\n')).toEqual([
          '0:0',
          'root:root',
          'root:root',
          'root:root',
          '4755',
          'writable',
          '0',
        ]);
        // On the host, the copy belongs to the range: host root owns none of it. The write
        // went to the sandbox's own layer, never to the copy the range's next session gets.
        const copy = join(cacheDir(test), String(sandbox.idRange.hostId), 'rootfs');
        expect(existsSync(join(copy, 'usr/x'))).toBe(false);
        expect(statSync(copy).uid).toBe(sandbox.idRange.hostId);
        expect(statSync(join(copy, 'usr/bin/env')).gid).toBe(sandbox.idRange.hostId);
      }
      expect(copies(test)).toEqual(
        [a, b].map(({ sandbox }) => String(sandbox.idRange.hostId)).sort(),
      );
    } finally {
      await Promise.all([a.sandbox.destroy(), b.sandbox.destroy()]);
    }
    expect(copies(test)).toEqual([]);
  });

  it('reuses a range copy, keeps NESTBOX_SHIFTED_KEEP idle ones and drops stale ones at start-up', async () => {
    const env = { NESTBOX_ROOTFS_MODE: 'shifted', NESTBOX_SHIFTED_KEEP: '1' };
    const test = await open('rootfs-keep', 20_000_000, env);
    const first = await test.host.create({ terminal: false });
    const second = await test.host.create({ terminal: false });
    const stamp = join(cacheDir(test), String(first.idRange.hostId), 'image-stamp');
    const built = statSync(stamp).ino;
    await Promise.all([first.destroy(), second.destroy()]);
    // The lowest range stays (the allocator hands it out first); the other one goes.
    expect(copies(test)).toEqual([String(first.idRange.hostId)]);

    const again = await test.host.create({ terminal: false });
    expect(again.idRange.hostId).toBe(first.idRange.hostId);
    expect(statSync(stamp).ino).toBe(built);
    await again.destroy();

    // A copy of another image build, and a half-built one, are gone after the next start-up.
    await writeFile(stamp, 'another build');
    await mkdir(join(cacheDir(test), `${first.idRange.hostId + 65536}.building`));
    await test.close();
    await open('rootfs-keep', 20_000_000, env);
    expect(copies(test)).toEqual([]);
  });
});

describe('shiftOwnership', () => {
  it('moves every file into the range, keeps setuid bits and never follows symlinks', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nestbox-shift-'));
    try {
      await mkdir(join(root, 'bin'));
      await writeFile(join(root, 'bin/tool'), '#!/bin/sh\n');
      await chmod(join(root, 'bin/tool'), 0o4755);
      await symlink('/etc/hostname', join(root, 'link'));
      await link(join(root, 'bin/tool'), join(root, 'hardlink'));
      const range = { hostId: ID_BASE + 30_000_000, size: 65536 };
      await shiftOwnership(root, range);
      for (const path of [root, join(root, 'bin'), join(root, 'bin/tool'), join(root, 'link')]) {
        const info = await lstat(path);
        expect([info.uid, info.gid]).toEqual([range.hostId, range.hostId]);
      }
      expect((await stat(join(root, 'bin/tool'))).mode & 0o7777).toBe(0o4755);
      expect((await stat('/etc/hostname')).uid).toBe(0);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
