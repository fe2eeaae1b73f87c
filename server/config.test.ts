/** The sandbox limit and total options of the configuration (the rest is in sandbox/spec.test.ts). */
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

const MIB = 1024 * 1024;

function errorFor(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('sandbox limits', () => {
  it('default to fair CPU weight, every CPU, and no io cap', () => {
    const { limits } = loadConfig({});
    expect(limits.cpuWeight).toBe(100);
    expect(limits.cpuset).toBe('');
    expect(limits.ioBps).toBeUndefined();
  });

  it('read weight, cpuset and io bandwidth (MiB/s) with their units', () => {
    const { limits } = loadConfig({
      NESTBOX_CPU_WEIGHT: '50',
      NESTBOX_CPUSET: '0-1,3',
      NESTBOX_IO_MBPS: '20',
    });
    expect(limits).toMatchObject({ cpuWeight: 50, cpuset: '0-1,3', ioBps: 20 * MIB });
  });

  it.each([
    ['NESTBOX_CPU_WEIGHT', '0'],
    ['NESTBOX_CPU_WEIGHT', '10001'],
    ['NESTBOX_CPUSET', 'all'],
    ['NESTBOX_IO_MBPS', '0'],
    ['NESTBOX_IO_MBPS', 'fast'],
    ['NESTBOX_CGROUP_PARENT', '/nestbox'],
    ['NESTBOX_CGROUP_PARENT', '../escape'],
    ['NESTBOX_TOTAL_PIDS', '-5'],
    ['NESTBOX_TOTAL_CPUS', 'lots'],
    ['NESTBOX_PIN_CPUS', 'yes'],
    ['NESTBOX_CPU_IDLE', '2'],
  ])('rejects %s=%s, naming it', (name, value) => {
    expect(errorFor({ [name]: value })).toContain(name);
  });
});

describe('CPU pinning', () => {
  it('is on unless NESTBOX_PIN_CPUS turns it off', () => {
    expect(loadConfig({}).pinCpus).toBe(true);
    expect(loadConfig({ NESTBOX_PIN_CPUS: '1' }).pinCpus).toBe(true);
    expect(loadConfig({ NESTBOX_PIN_CPUS: '0' }).pinCpus).toBe(false);
    expect(loadConfig({ NESTBOX_PIN_CPUS: 'false' }).pinCpus).toBe(false);
  });
});

describe("the parent cgroup's cpu.idle", () => {
  it('is on unless NESTBOX_CPU_IDLE turns it off', () => {
    expect(loadConfig({}).cpuIdle).toBe(true);
    expect(loadConfig({ NESTBOX_CPU_IDLE: '0' }).cpuIdle).toBe(false);
    expect(loadConfig({ NESTBOX_CPU_IDLE: '1' }).cpuIdle).toBe(true);
  });
});

describe('busy-sandbox demotion', () => {
  it('is on unless NESTBOX_DEMOTE_BUSY turns it off', () => {
    expect(loadConfig({}).demoteBusy).toBe(true);
    expect(loadConfig({ NESTBOX_DEMOTE_BUSY: '0' }).demoteBusy).toBe(false);
    expect(loadConfig({ NESTBOX_DEMOTE_BUSY: '1' }).demoteBusy).toBe(true);
  });
});

describe('totals for all sandboxes together', () => {
  it('default to 80% of this machine’s memory, 4096 tasks and no CPU cap', () => {
    const { totals } = loadConfig({});
    expect(totals.memoryBytes).toBe(Math.floor((totalmem() * 0.8) / MIB) * MIB);
    expect(totals.pids).toBe(4096);
    expect(totals.cpus).toBeUndefined();
  });

  it('read memory in MiB, tasks and cores', () => {
    const { totals } = loadConfig({
      NESTBOX_TOTAL_MEMORY_MB: '4096',
      NESTBOX_TOTAL_PIDS: '2000',
      NESTBOX_TOTAL_CPUS: '1.5',
    });
    expect(totals).toEqual({ memoryBytes: 4096 * MIB, pids: 2000, cpus: 1.5 });
  });

  it.each([
    [{ NESTBOX_TOTAL_MEMORY_MB: '100' }, 'NESTBOX_TOTAL_MEMORY_MB=100', 'NESTBOX_MEMORY_MB (256)'],
    [{ NESTBOX_TOTAL_PIDS: '100' }, 'NESTBOX_TOTAL_PIDS=100', 'NESTBOX_PIDS_LIMIT (128)'],
    [{ NESTBOX_TOTAL_CPUS: '0.5' }, 'NESTBOX_TOTAL_CPUS=0.5', 'NESTBOX_CPUS (1)'],
  ])('must leave room for one sandbox: %o', (env, total, limit) => {
    const message = errorFor(env);
    expect(message).toContain(total);
    expect(message).toContain(limit);
  });

  it('live under a parent cgroup named nestbox unless told otherwise', () => {
    expect(loadConfig({}).cgroupParent).toBe('nestbox');
    expect(loadConfig({ NESTBOX_CGROUP_PARENT: 'labs/nestbox-a' }).cgroupParent).toBe(
      'labs/nestbox-a',
    );
  });
});

describe('the rootfs mode', () => {
  it('defaults to auto, keeping 4 idle shifted copies', () => {
    expect(loadConfig({})).toMatchObject({ rootfsMode: 'auto', shiftedKeep: 4 });
  });

  it('can be forced to either mode', () => {
    expect(loadConfig({ NESTBOX_ROOTFS_MODE: 'shifted', NESTBOX_SHIFTED_KEEP: '0' })).toMatchObject(
      { rootfsMode: 'shifted', shiftedKeep: 0 },
    );
    expect(loadConfig({ NESTBOX_ROOTFS_MODE: 'idmap' }).rootfsMode).toBe('idmap');
  });

  it('refuses an unknown mode and a negative cache size', () => {
    expect(errorFor({ NESTBOX_ROOTFS_MODE: 'copy' })).toMatch(
      /NESTBOX_ROOTFS_MODE=copy is invalid/,
    );
    expect(errorFor({ NESTBOX_SHIFTED_KEEP: '-1' })).toMatch(/NESTBOX_SHIFTED_KEEP=-1 is invalid/);
  });
});

describe('the progress database', () => {
  it('lives in the data directory unless NESTBOX_DB names a file of its own', () => {
    expect(loadConfig({}).databasePath).toBe('/var/lib/nestbox/nestbox.db');
    expect(loadConfig({ NESTBOX_DATA_DIR: '/srv/lab' }).databasePath).toBe('/srv/lab/nestbox.db');
    const own = loadConfig({ NESTBOX_DATA_DIR: '/srv/lab', NESTBOX_DB: '/tmp/test/progress.db' });
    expect(own).toMatchObject({ dataDir: '/srv/lab', databasePath: '/tmp/test/progress.db' });
  });
});
