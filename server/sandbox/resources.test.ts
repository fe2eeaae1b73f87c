import { describe, expect, it } from 'vitest';
import type { CgroupLayout } from './cgroups.js';
import type { SandboxLimits } from './limits.js';
import {
  cpuQuotaMicroseconds,
  cpuWeightToShares,
  ociResources,
  requiredControllers,
  subtreeControlLine,
  totalsWrites,
} from './resources.js';

const MIB = 1024 * 1024;
const limits: SandboxLimits = {
  pids: 64,
  memoryBytes: 128 * MIB,
  cpus: 0.5,
  cpuWeight: 100,
  cpuset: '',
  tmpfsBytes: 64 * MIB,
  tmpfsInodes: 16384,
  nofile: 1024,
};
const vda = { major: 254, minor: 0 };

describe('cpu conversions', () => {
  it('expresses cores as a quota per 100 ms period, never below the 1 ms the kernel takes', () => {
    expect(cpuQuotaMicroseconds(1)).toBe(100_000);
    expect(cpuQuotaMicroseconds(0.5)).toBe(50_000);
    expect(cpuQuotaMicroseconds(2.25)).toBe(225_000);
    expect(cpuQuotaMicroseconds(0.001)).toBe(1000);
  });

  it('maps v2 weight to v1 shares with the same scheduler weight (100 is 1024)', () => {
    expect(cpuWeightToShares(100)).toBe(1024);
    expect(cpuWeightToShares(50)).toBe(512);
    expect(cpuWeightToShares(1)).toBe(10);
    expect(cpuWeightToShares(10_000)).toBe(102_400);
  });
});

describe.each<CgroupLayout>(['v1', 'hybrid'])('OCI resources on %s', (layout) => {
  const host = { layout, swapAccounting: true };

  it('caps pids, memory with swap equal to memory, cpu quota and shares', () => {
    expect(ociResources(limits, host)).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      pids: { limit: 64 },
      memory: { limit: 128 * MIB, swap: 128 * MIB },
      cpu: { quota: 50_000, period: 100_000, shares: 1024 },
    });
  });

  it('leaves swap out where the kernel does not account it', () => {
    expect(ociResources(limits, { layout, swapAccounting: false }).memory).toEqual({
      limit: 128 * MIB,
    });
  });

  it('pins CPUs when a cpuset is configured', () => {
    expect(ociResources({ ...limits, cpuset: '0-1' }, host).cpu.cpus).toBe('0-1');
  });

  it('throttles reads and writes on the image disk (blkio.throttle.*)', () => {
    const resources = ociResources({ ...limits, ioBps: 5 * MIB }, { ...host, ioDevice: vda });
    expect(resources.blockIO).toEqual({
      throttleReadBpsDevice: [{ major: 254, minor: 0, rate: 5 * MIB }],
      throttleWriteBpsDevice: [{ major: 254, minor: 0, rate: 5 * MIB }],
    });
  });

  it('writes no raw v2 files', () => {
    expect(ociResources(limits, host).unified).toBeUndefined();
  });
});

describe('OCI resources on v2', () => {
  const host = { layout: 'v2' as const, swapAccounting: true };

  it('caps pids, memory (crun turns swap = memory into memory.swap.max 0) and cpu.max', () => {
    const resources = ociResources(limits, host);
    expect(resources.pids).toEqual({ limit: 64 });
    expect(resources.memory).toEqual({ limit: 128 * MIB, swap: 128 * MIB });
    expect(resources.cpu).toEqual({ quota: 50_000, period: 100_000 });
  });

  it('sets cpu.weight itself rather than through shares, which crun would rescale', () => {
    expect(ociResources({ ...limits, cpuWeight: 250 }, host).unified).toEqual({
      'cpu.weight': '250',
    });
    expect(ociResources(limits, host).cpu.shares).toBeUndefined();
  });

  it('pins CPUs (cpuset.cpus) and throttles io (io.max)', () => {
    const resources = ociResources(
      { ...limits, cpuset: '1', ioBps: MIB },
      { ...host, ioDevice: vda },
    );
    expect(resources.cpu.cpus).toBe('1');
    expect(resources.blockIO?.throttleWriteBpsDevice).toEqual([{ ...vda, rate: MIB }]);
  });

  it('does not throttle io without a disk to throttle', () => {
    expect(ociResources({ ...limits, ioBps: MIB }, host).blockIO).toBeUndefined();
  });
});

describe('parent cgroup totals', () => {
  const totals = { memoryBytes: 2048 * MIB, pids: 1000, cpus: 1.5 };

  it.each<CgroupLayout>(['v1', 'hybrid'])(
    'on %s, writes v1 files period before quota',
    (layout) => {
      expect(totalsWrites(layout, totals)).toEqual([
        { controller: 'pids', file: 'pids.max', value: '1000' },
        { controller: 'memory', file: 'memory.limit_in_bytes', value: String(2048 * MIB) },
        { controller: 'cpu', file: 'cpu.cfs_period_us', value: '100000' },
        { controller: 'cpu', file: 'cpu.cfs_quota_us', value: '150000' },
      ]);
    },
  );

  it('on v2, writes pids.max, memory.max and cpu.max', () => {
    expect(totalsWrites('v2', totals)).toEqual([
      { controller: 'unified', file: 'pids.max', value: '1000' },
      { controller: 'unified', file: 'memory.max', value: String(2048 * MIB) },
      { controller: 'unified', file: 'cpu.max', value: '150000 100000' },
    ]);
  });

  it('lifts caps that are no longer configured (the parent outlives the server)', () => {
    expect(totalsWrites('v2', {}).map((write) => write.value)).toEqual([
      'max',
      'max',
      'max 100000',
    ]);
    expect(totalsWrites('v1', {}).map((write) => write.value)).toEqual([
      'max',
      '-1',
      '100000',
      '-1',
    ]);
  });
});

describe('controllers', () => {
  it('enables every v2 controller sandboxes use that the host offers', () => {
    expect(subtreeControlLine(['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma'])).toBe(
      '+cpu +cpuset +io +memory +pids',
    );
    expect(subtreeControlLine(['memory', 'pids'])).toBe('+memory +pids');
  });

  it('requires pids, memory and cpu always, and the rest only for the settings that use them', () => {
    expect(requiredControllers('v2', limits, false)).toEqual(['pids', 'memory', 'cpu']);
    expect(requiredControllers('hybrid', limits, false)).toEqual([
      'pids',
      'memory',
      'cpu',
      'cpuacct',
    ]);
    expect(requiredControllers('v2', limits, true)).toContain('cpuset');
    expect(requiredControllers('v2', { ...limits, cpuset: '0', ioBps: 1 }, false)).toEqual([
      'pids',
      'memory',
      'cpu',
      'cpuset',
      'io',
    ]);
    expect(requiredControllers('v1', { ...limits, ioBps: 1 }, false)).toContain('blkio');
  });
});
