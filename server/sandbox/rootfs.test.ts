import { linkSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SandboxError } from './errors.js';
import {
  copiesToEvict,
  DISK_RESERVE_BYTES,
  diskUsage,
  hasRoomForCopy,
  idmapProbeSpec,
  idmapRootfs,
  shiftedId,
} from './rootfs.js';

const RANGE = { hostId: 1_000_000_000, size: 65536 };

describe('shiftedId', () => {
  it('moves image ids into the range', () => {
    expect(shiftedId(0, RANGE)).toBe(1_000_000_000);
    expect(shiftedId(65535, RANGE)).toBe(1_000_065_535);
  });

  it('refuses ids the range cannot map, so nothing lands in a neighbour range', () => {
    for (const id of [65536, -1, 1.5]) {
      expect(() => shiftedId(id, RANGE)).toThrow(SandboxError);
    }
  });
});

describe('copiesToEvict', () => {
  it('keeps copies of live sandboxes, whatever the cache size', () => {
    expect(copiesToEvict([10, 20, 30], new Set([10, 20, 30]), 0)).toEqual([]);
  });

  it('drops the highest idle copies beyond the cache size', () => {
    expect(copiesToEvict([30, 10, 40, 20], new Set([20]), 1)).toEqual([30, 40]);
    expect(copiesToEvict([30, 10], new Set(), 0)).toEqual([10, 30]);
    expect(copiesToEvict([30, 10], new Set(), 5)).toEqual([]);
  });
});

describe('idmapProbeSpec', () => {
  const spec = idmapProbeSpec('/images/rootfs', RANGE, 'nestbox/nestbox-probe-1');

  it('runs true from an overlay on an idmapped /usr as root of a user namespace, with no capabilities', () => {
    expect(spec.process.args).toEqual(['/usr/bin/true']);
    expect(spec.process.noNewPrivileges).toBe(true);
    expect(spec.process.capabilities.effective).toEqual([]);
    expect(spec.root).toEqual({ path: '/images/rootfs', readonly: true });
    expect(spec.mounts).toContainEqual({
      destination: '/usr',
      type: 'bind',
      source: '/images/rootfs/usr',
      options: ['rbind', 'ro', 'nosuid', 'nodev', 'idmap'],
    });
    // After the bind, so the overlay's lower layer is the idmapped /usr.
    expect(spec.mounts.at(-1)).toEqual({
      destination: '/usr',
      type: 'overlay',
      source: 'overlay',
      options: ['lowerdir=/images/rootfs/usr:/images/rootfs/dev', 'nosuid', 'nodev'],
    });
    expect(spec.linux.uidMappings).toEqual([
      { containerID: 0, hostID: 1_000_000_000, size: 65536 },
    ]);
    expect(spec.linux.namespaces.map((namespace) => namespace.type)).toContain('user');
    expect(spec.linux.cgroupsPath).toBe('nestbox/nestbox-probe-1');
  });
});

describe('idmapRootfs', () => {
  it('shows every sandbox the one shared image, idmapped', async () => {
    const provider = idmapRootfs('/images/rootfs');
    expect(provider.mode).toBe('idmap');
    expect(await provider.acquire(RANGE)).toEqual({ path: '/images/rootfs', idmapped: true });
  });
});

describe('hasRoomForCopy', () => {
  it('makes a copy only when it leaves the reserve free', () => {
    const copy = 250 * 1024 ** 2;
    expect(hasRoomForCopy(copy + DISK_RESERVE_BYTES, copy)).toBe(true);
    expect(hasRoomForCopy(copy + DISK_RESERVE_BYTES - 1, copy)).toBe(false);
    expect(hasRoomForCopy(copy, copy)).toBe(false);
  });
});

describe('diskUsage', () => {
  it('counts the blocks of every inode once, hard links included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nestbox-usage-'));
    try {
      writeFileSync(join(root, 'data'), Buffer.alloc(64 * 1024, 1));
      const before = await diskUsage(root);
      expect(before).toBeGreaterThanOrEqual(64 * 1024);
      linkSync(join(root, 'data'), join(root, 'link'));
      expect(await diskUsage(root)).toBe(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
