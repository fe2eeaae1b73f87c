import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuPlacement, formatCpuList, parentCpus } from './cpu-placement.js';

describe('formatCpuList', () => {
  it('writes runs as ranges, in order, once each', () => {
    expect(formatCpuList([5, 0, 2, 1, 2])).toBe('0-2,5');
    expect(formatCpuList([3])).toBe('3');
    expect(formatCpuList([])).toBe('');
  });
});

describe('CpuPlacement', () => {
  it('spreads one-CPU sandboxes over the least used CPUs, lowest first', () => {
    const placement = new CpuPlacement([0, 1, 2]);
    const cpusets = [1, 2, 3, 4].map(() => placement.place({ cpus: 1, cpuset: '' }).cpuset);
    expect(cpusets).toEqual(['0', '1', '2', '0']);
  });

  it('gives a fractional limit its next whole CPU count, and never more than there are', () => {
    const placement = new CpuPlacement([0, 1, 2, 3]);
    expect(placement.place({ cpus: 0.5, cpuset: '' }).cpuset).toBe('0');
    expect(placement.place({ cpus: 1.5, cpuset: '' }).cpuset).toBe('1-2');
    expect(placement.place({ cpus: 64, cpuset: '' }).cpuset).toBe('0-3');
  });

  it('chooses only among the limit’s own cpuset', () => {
    const placement = new CpuPlacement([0, 1, 2, 3]);
    expect(placement.place({ cpus: 1, cpuset: '2-3' }).cpuset).toBe('2');
    expect(placement.place({ cpus: 1, cpuset: '2-3' }).cpuset).toBe('3');
    expect(placement.place({ cpus: 1, cpuset: '2-3' }).cpuset).toBe('2');
  });

  it('leaves a cpuset with no available CPU alone, for the runtime to refuse', () => {
    const placement = new CpuPlacement([0, 1]);
    expect(placement.place({ cpus: 1, cpuset: '7' }).cpuset).toBe('7');
  });

  it('hands a released CPU to the next sandbox, and counts a double release once', () => {
    const placement = new CpuPlacement([0, 1]);
    const first = placement.place({ cpus: 1, cpuset: '' });
    const second = placement.place({ cpus: 1, cpuset: '' });
    expect([first.cpuset, second.cpuset]).toEqual(['0', '1']);
    placement.place({ cpus: 1, cpuset: '' }); // 0 again: both are used once
    second.release();
    second.release();
    expect(placement.place({ cpus: 1, cpuset: '' }).cpuset).toBe('1');
    expect(placement.place({ cpus: 1, cpuset: '' }).cpuset).toBe('1');
  });

  it('refuses an empty CPU set', () => {
    expect(() => new CpuPlacement([])).toThrow(/at least one CPU/);
  });
});

describe('parentCpus', () => {
  it('reads the parent’s effective cpuset from the v2 and v1 files', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nestbox-cpus-'));
    try {
      await mkdir(join(root, 'nestbox'));
      await writeFile(join(root, 'nestbox', 'cpuset.cpus.effective'), '0-2,5\n');
      expect(await parentCpus('v2', 'nestbox', root)).toEqual([0, 1, 2, 5]);
      await mkdir(join(root, 'cpuset', 'nestbox'), { recursive: true });
      await writeFile(join(root, 'cpuset', 'nestbox', 'cpuset.effective_cpus'), '1\n');
      expect(await parentCpus('hybrid', 'nestbox', root)).toEqual([1]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('says how to do without pinning when the cpuset is missing or empty', async () => {
    const root = await mkdtemp(join(tmpdir(), 'nestbox-cpus-'));
    try {
      await expect(parentCpus('v2', 'nestbox', root)).rejects.toMatchObject({
        code: 'cgroup-setup-failed',
        message: expect.stringContaining('NESTBOX_PIN_CPUS=0') as unknown,
      });
      await mkdir(join(root, 'nestbox'));
      await writeFile(join(root, 'nestbox', 'cpuset.cpus.effective'), '\n');
      await expect(parentCpus('v2', 'nestbox', root)).rejects.toThrow(/lists no CPUs/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
