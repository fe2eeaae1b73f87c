import { describe, expect, it } from 'vitest';
import { CpuPlacement, formatCpuList } from './cpu-placement.js';

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
