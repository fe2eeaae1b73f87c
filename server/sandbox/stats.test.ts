import { describe, expect, it } from 'vitest';
import { cgroupFile } from './cgroups.js';
import { parseStats, statsFiles } from './stats.js';

describe('stats on cgroup v1 and hybrid', () => {
  it('reads pids, memory, oom kills and cpu from their controllers', () => {
    const files = statsFiles('hybrid');
    expect(Object.values(files).map((file) => cgroupFile('hybrid', 'nestbox/x', file))).toEqual([
      '/sys/fs/cgroup/pids/nestbox/x/pids.current',
      '/sys/fs/cgroup/pids/nestbox/x/pids.max',
      '/sys/fs/cgroup/pids/nestbox/x/pids.events',
      '/sys/fs/cgroup/memory/nestbox/x/memory.usage_in_bytes',
      '/sys/fs/cgroup/memory/nestbox/x/memory.limit_in_bytes',
      '/sys/fs/cgroup/memory/nestbox/x/memory.oom_control',
      '/sys/fs/cgroup/cpuacct/nestbox/x/cpuacct.usage',
      '/sys/fs/cgroup/cpu/nestbox/x/cpu.stat',
    ]);
    expect(statsFiles('v1')).toEqual(files);
  });

  it('parses what the kernel writes', () => {
    expect(
      parseStats('v1', {
        pidsCurrent: '64\n',
        pidsMax: '64\n',
        pidsEvents: 'max 1234\n',
        memoryCurrent: '134217728\n',
        memoryMax: '134217728\n',
        memoryEvents: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
        cpuUsage: '1500000000\n',
        cpuStat:
          'nr_periods 20\nnr_throttled 10\nthrottled_time 500000000\nnr_bursts 0\nburst_time 0\n',
      }),
    ).toEqual({
      pidsCurrent: 64,
      pidsMax: 64,
      pidsLimitHits: 1234,
      memoryBytes: 134217728,
      memoryMaxBytes: 134217728,
      oomKills: 2,
      cpuUsageNs: 1_500_000_000,
      cpuThrottledNs: 500_000_000,
    });
  });

  it('reports unlimited as null (v1 writes "max" for pids and 2^63 rounded for memory)', () => {
    const stats = parseStats('v1', { pidsMax: 'max\n', memoryMax: '9223372036854771712\n' });
    expect(stats.pidsMax).toBeNull();
    expect(stats.memoryMaxBytes).toBeNull();
  });
});

describe('stats on cgroup v2', () => {
  it('reads every file from the one cgroup directory', () => {
    expect(
      Object.values(statsFiles('v2')).map((file) => cgroupFile('v2', 'nestbox/x', file)),
    ).toEqual([
      '/sys/fs/cgroup/nestbox/x/pids.current',
      '/sys/fs/cgroup/nestbox/x/pids.max',
      '/sys/fs/cgroup/nestbox/x/pids.events',
      '/sys/fs/cgroup/nestbox/x/memory.current',
      '/sys/fs/cgroup/nestbox/x/memory.max',
      '/sys/fs/cgroup/nestbox/x/memory.events',
      '/sys/fs/cgroup/nestbox/x/cpu.stat',
    ]);
  });

  it('parses what the kernel writes, cpu.stat in microseconds', () => {
    expect(
      parseStats('v2', {
        pidsCurrent: '3\n',
        pidsMax: 'max\n',
        pidsEvents: 'max 0\n',
        memoryCurrent: '4096\n',
        memoryMax: '268435456\n',
        memoryEvents: 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n',
        cpuStat:
          'usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 3\nnr_throttled 1\nthrottled_usec 250\n',
      }),
    ).toEqual({
      pidsCurrent: 3,
      pidsMax: null,
      pidsLimitHits: 0,
      memoryBytes: 4096,
      memoryMaxBytes: 268435456,
      oomKills: 1,
      cpuUsageNs: 2_000_000,
      cpuThrottledNs: 250_000,
    });
  });

  it('reads missing files as zero', () => {
    expect(parseStats('v2', {})).toEqual({
      pidsCurrent: 0,
      pidsMax: null,
      pidsLimitHits: 0,
      memoryBytes: 0,
      memoryMaxBytes: null,
      oomKills: 0,
      cpuUsageNs: 0,
      cpuThrottledNs: 0,
    });
  });
});
