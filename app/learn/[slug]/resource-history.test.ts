import { describe, expect, it } from 'vitest';
import type { StatsMessage } from '@/lib/protocol';
import { toSample } from './resource-history';

const BASE: StatsMessage = {
  type: 'stats',
  at: 1_000_000,
  pidsCurrent: 3,
  pidsMax: 128,
  pidsLimitHits: 0,
  memoryBytes: 10_000_000,
  memoryMaxBytes: 256 * 2 ** 20,
  oomKills: 0,
  cpuUsageNs: 5_000_000_000,
  cpuThrottledNs: 0,
  cpuQuotaCores: 0.5,
};

describe('a resource sample', () => {
  it('has no rates without a previous sample', () => {
    expect(toSample(BASE, undefined)).toMatchObject({ cpuCores: 0, throttled: 0, oomKills: 0 });
  });

  it('turns cumulative counters into rates and deltas over the interval', () => {
    const next: StatsMessage = {
      ...BASE,
      at: BASE.at + 1000,
      pidsCurrent: 128,
      pidsLimitHits: 40,
      oomKills: 1,
      cpuUsageNs: BASE.cpuUsageNs + 500_000_000,
      cpuThrottledNs: 250_000_000,
    };
    expect(toSample(next, BASE)).toMatchObject({
      pids: 128,
      pidsMax: 128,
      cpuCores: 0.5,
      cpuQuotaCores: 0.5,
      throttled: 0.25,
      oomKills: 1,
      pidsLimitHits: 40,
    });
  });

  it('never reports a negative rate when a counter goes backwards', () => {
    const next = { ...BASE, at: BASE.at + 1000, cpuUsageNs: 0, oomKills: 0 };
    expect(toSample(next, { ...BASE, oomKills: 2 })).toMatchObject({ cpuCores: 0, oomKills: 0 });
  });
});
