import { describe, expect, it } from 'vitest';
import { SandboxError } from './errors.js';
import { parseCpuList, tightenLimits, type SandboxLimits } from './limits.js';

const MIB = 1024 * 1024;
const ceiling: SandboxLimits = {
  pids: 128,
  memoryBytes: 256 * MIB,
  cpus: 1,
  cpuWeight: 100,
  cpuset: '0-3',
  tmpfsBytes: 64 * MIB,
  tmpfsInodes: 16384,
  nofile: 1024,
};

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SandboxError) return error.code;
    throw error;
  }
  return undefined;
}

describe('parseCpuList', () => {
  it('reads single CPUs and ranges', () => {
    expect([...(parseCpuList('0-2,5') ?? [])]).toEqual([0, 1, 2, 5]);
    expect([...(parseCpuList(' 3 ') ?? [])]).toEqual([3]);
  });

  it('reads an empty list as no CPUs named (all of them)', () => {
    expect(parseCpuList('')?.size).toBe(0);
  });

  it('rejects what the kernel would', () => {
    for (const bad of ['a', '1-', '3-1', '0,,1', '-1', '1.5', '99999']) {
      expect(parseCpuList(bad)).toBeUndefined();
    }
  });
});

describe('tightenLimits', () => {
  it('returns the configured limits when nothing is asked', () => {
    expect(tightenLimits(ceiling)).toEqual(ceiling);
    expect(tightenLimits(ceiling, {})).toEqual(ceiling);
  });

  it('lowers any limit', () => {
    const tight = tightenLimits(ceiling, {
      pids: 32,
      memoryBytes: 64 * MIB,
      cpus: 0.5,
      cpuWeight: 50,
      cpuset: '1',
      ioBps: 10 * MIB,
      tmpfsBytes: MIB,
      tmpfsInodes: 100,
      nofile: 256,
    });
    expect(tight).toEqual({
      pids: 32,
      memoryBytes: 64 * MIB,
      cpus: 0.5,
      cpuWeight: 50,
      cpuset: '1',
      ioBps: 10 * MIB,
      tmpfsBytes: MIB,
      tmpfsInodes: 100,
      nofile: 256,
    });
  });

  it('accepts a limit equal to the configured one', () => {
    expect(tightenLimits(ceiling, { pids: 128, cpuset: '0-3' })).toEqual(ceiling);
  });

  it('rejects raising any numeric limit', () => {
    for (const [name, value] of [
      ['pids', 129],
      ['memoryBytes', 257 * MIB],
      ['cpus', 1.5],
      ['cpuWeight', 200],
      ['tmpfsBytes', 65 * MIB],
      ['tmpfsInodes', 16385],
      ['nofile', 4096],
    ] as const) {
      expect(codeOf(() => tightenLimits(ceiling, { [name]: value }))).toBe('limit-raised');
    }
  });

  it('names the limit and both values when it refuses', () => {
    expect(() => tightenLimits(ceiling, { pids: 1000 })).toThrow(/pids=1000.*128/);
  });

  it('only allows a subset of the configured CPUs', () => {
    expect(codeOf(() => tightenLimits(ceiling, { cpuset: '3-4' }))).toBe('limit-raised');
    // An empty list means all CPUs, which is more than 0-3.
    expect(codeOf(() => tightenLimits(ceiling, { cpuset: '' }))).toBe('limit-raised');
    expect(tightenLimits({ ...ceiling, cpuset: '' }, { cpuset: '7' }).cpuset).toBe('7');
  });

  it('caps io bandwidth only below a configured cap', () => {
    expect(tightenLimits(ceiling, { ioBps: 10 ** 12 }).ioBps).toBe(10 ** 12);
    const capped = { ...ceiling, ioBps: MIB };
    expect(codeOf(() => tightenLimits(capped, { ioBps: 2 * MIB }))).toBe('limit-raised');
    expect(tightenLimits(capped, { ioBps: MIB / 2 }).ioBps).toBe(MIB / 2);
  });

  it('rejects values that are not limits', () => {
    for (const override of [
      { pids: 0 },
      { pids: -5 },
      { pids: Number.NaN },
      { pids: 1.5 },
      { memoryBytes: Number.POSITIVE_INFINITY },
      { cpus: 0 },
      { ioBps: -1 },
      { cpuset: 'all' },
    ]) {
      expect(codeOf(() => tightenLimits(ceiling, override))).toBe('invalid-limits');
    }
  });

  it('accepts a fractional CPU count', () => {
    expect(tightenLimits(ceiling, { cpus: 0.25 }).cpus).toBe(0.25);
  });
});
