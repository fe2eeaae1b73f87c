import { describe, expect, it, vi } from 'vitest';
import {
  BUSY_CORES,
  CALM_CORES,
  DEMOTION_INTERVAL_MS,
  demotionLook,
  nextDemoted,
  startBusyDemotion,
  weightWrite,
} from './busy-demotion.js';

describe('nextDemoted', () => {
  it('marks a sandbox busy at half a CPU, not below', () => {
    expect(nextDemoted(false, BUSY_CORES)).toBe(true);
    expect(nextDemoted(false, 1)).toBe(true);
    expect(nextDemoted(false, 0.49)).toBe(false);
    expect(nextDemoted(false, 0)).toBe(false);
  });

  it('lifts the mark only below a quarter of a CPU, so a sandbox near one figure does not flip', () => {
    expect(nextDemoted(true, 0.4)).toBe(true);
    expect(nextDemoted(true, CALM_CORES)).toBe(true);
    expect(nextDemoted(true, 0.24)).toBe(false);
    expect(nextDemoted(true, 0)).toBe(false);
  });
});

describe('weightWrite', () => {
  it('gives the weight back as cpu.weight on v2', () => {
    expect(weightWrite('v2', 100)).toEqual({ file: 'cpu.weight', value: '100' });
    expect(weightWrite('v2', 250)).toEqual({ file: 'cpu.weight', value: '250' });
  });

  it('gives it back as the matching cpu.shares on v1', () => {
    expect(weightWrite('v1', 100)).toEqual({ file: 'cpu.shares', value: '1024' });
    expect(weightWrite('v1', 200)).toEqual({ file: 'cpu.shares', value: '2048' });
  });
});

/** Cgroup files in memory: usage per cgroup, a log of writes, and writes made to fail. */
function fakeIo() {
  const usage = new Map<string, number>();
  const writes: string[] = [];
  const failures = new Map<string, string>(); // "path file" → errno code
  let clock = 0;
  return {
    usage,
    writes,
    failures,
    tick(ms: number) {
      clock += ms;
    },
    io: {
      readUsageNs: (path: string) => Promise.resolve(usage.get(path)),
      write: (path: string, file: string, value: string) => {
        const code = failures.get(`${path} ${file}`);
        if (code !== undefined) {
          return Promise.reject(Object.assign(new Error(`${code}: ${file}`), { code }));
        }
        writes.push(`${path} ${file}=${value}`);
        return Promise.resolve();
      },
      now: () => clock,
    },
  };
}

describe('a look at the live sandboxes', () => {
  const hog = { cgroupPath: 'p/hog', limits: { cpuWeight: 200 } };
  const quiet = { cgroupPath: 'p/quiet', limits: { cpuWeight: 100 } };

  /** Advances the fake clock by one second in which `cores` of each sandbox's CPU was used. */
  function second(fake: ReturnType<typeof fakeIo>, cores: Record<string, number>): void {
    fake.tick(1000);
    for (const [path, used] of Object.entries(cores)) {
      fake.usage.set(path, (fake.usage.get(path) ?? 0) + used * 1e9);
    }
  }

  it('seeds on the first look, marks a busy sandbox on the next, and lifts it with its weight', async () => {
    const fake = fakeIo();
    const errors: string[] = [];
    const look = demotionLook('v1', new Set([hog, quiet]), (e) => errors.push(e.message), fake.io);
    second(fake, { 'p/hog': 1, 'p/quiet': 0.01 });
    await look();
    expect(fake.writes).toEqual([]);
    second(fake, { 'p/hog': 1, 'p/quiet': 0.01 });
    await look();
    expect(fake.writes).toEqual(['p/hog cpu.idle=1']);
    second(fake, { 'p/hog': 0.3, 'p/quiet': 0.01 }); // between the two figures: stays marked
    await look();
    second(fake, { 'p/hog': 0.1, 'p/quiet': 0.01 });
    await look();
    expect(fake.writes).toEqual(['p/hog cpu.idle=1', 'p/hog cpu.idle=0', 'p/hog cpu.shares=2048']);
    expect(errors).toEqual([]);
  });

  it('reports a refused write once, and keeps trying until it holds', async () => {
    const fake = fakeIo();
    const errors: [string, boolean][] = [];
    const look = demotionLook(
      'v2',
      new Set([hog]),
      (e, demoting) => errors.push([e.message, demoting]),
      fake.io,
    );
    fake.failures.set('p/hog cpu.idle', 'EINVAL');
    for (let index = 0; index < 3; index++) {
      second(fake, { 'p/hog': 1 });
      await look();
    }
    expect(errors).toEqual([['EINVAL: cpu.idle', true]]);
    fake.failures.clear();
    second(fake, { 'p/hog': 1 });
    await look();
    expect(fake.writes).toEqual(['p/hog cpu.idle=1']);
  });

  it('retries a lift whose weight write failed, since the mark itself is already off', async () => {
    const fake = fakeIo();
    const look = demotionLook('v2', new Set([hog]), () => undefined, fake.io);
    second(fake, { 'p/hog': 1 });
    await look();
    second(fake, { 'p/hog': 1 });
    await look();
    fake.failures.set('p/hog cpu.weight', 'EIO');
    second(fake, { 'p/hog': 0 });
    await look();
    fake.failures.clear();
    second(fake, { 'p/hog': 0 });
    await look();
    expect(fake.writes).toEqual([
      'p/hog cpu.idle=1',
      'p/hog cpu.idle=0',
      'p/hog cpu.idle=0',
      'p/hog cpu.weight=200',
    ]);
  });

  it('says nothing of a sandbox torn down meanwhile, and forgets it', async () => {
    const fake = fakeIo();
    const errors: string[] = [];
    const live = new Set([hog]);
    const look = demotionLook('v1', live, (e) => errors.push(e.message), fake.io);
    second(fake, { 'p/hog': 1 });
    await look();
    for (const code of ['ENOENT', 'ENODEV']) {
      fake.failures.set('p/hog cpu.idle', code);
      second(fake, { 'p/hog': 1 });
      await look();
    }
    fake.usage.delete('p/hog'); // its files are gone
    second(fake, {});
    await look();
    live.delete(hog);
    await look();
    expect(errors).toEqual([]);
    expect(fake.writes).toEqual([]);
  });

  it('never rejects, even when the reporter throws', async () => {
    const fake = fakeIo();
    const look = demotionLook(
      'v1',
      new Set([hog]),
      () => {
        throw new Error('logger down');
      },
      fake.io,
    );
    fake.failures.set('p/hog cpu.idle', 'EINVAL');
    second(fake, { 'p/hog': 1 });
    await look();
    second(fake, { 'p/hog': 1 });
    await expect(look()).resolves.toBeUndefined();
  });
});

describe('startBusyDemotion', () => {
  it('looks every interval, and stop waits for a look in flight, so nothing comes after it', async () => {
    vi.useFakeTimers();
    try {
      const fake = fakeIo();
      let releaseRead = () => {};
      let reads = 0;
      const io = {
        ...fake.io,
        readUsageNs: () => {
          reads++;
          return new Promise<number>((resolve) => {
            releaseRead = () => {
              resolve(0);
            };
          });
        },
      };
      const sandbox = { cgroupPath: 'p/a', limits: { cpuWeight: 100 } };
      const demotion = startBusyDemotion('v1', new Set([sandbox]), () => {}, io);
      await vi.advanceTimersByTimeAsync(DEMOTION_INTERVAL_MS);
      expect(reads).toBe(1);
      // The look is still reading: a second interval does not start another.
      await vi.advanceTimersByTimeAsync(DEMOTION_INTERVAL_MS);
      expect(reads).toBe(1);
      let stopped = false;
      const stopping = demotion.stop().then(() => {
        stopped = true;
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(stopped).toBe(false);
      releaseRead();
      await stopping;
      await vi.advanceTimersByTimeAsync(10 * DEMOTION_INTERVAL_MS);
      expect(reads).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
