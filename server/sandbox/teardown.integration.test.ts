/**
 * Ending sandboxes completely: destroy, start-up reaping after a server died, and many cycles
 * in a row. Nothing may be left: no process, cgroup, crun state or bundle.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupDirs, cgroupHierarchies } from './cgroups.js';
import { listContainers } from './runtime.js';
import {
  hostProcessesWithUidIn,
  openTestHost,
  startSandbox,
  waitFor,
  waitUntilRunning,
  type TestHost,
} from './test-helpers.js';

const NAME = 'teardown';
const SLOT = 8;
let test: TestHost;

beforeAll(async () => {
  test = await openTestHost(NAME, SLOT);
});

afterAll(async () => {
  await test.close();
});

/** Every uid any sandbox of this test file can have. */
const ALL_RANGES = { hostId: 1_100_000_000 + SLOT * 10_000_000, size: 16 * 65536 };

async function leftovers(): Promise<{
  containers: string[];
  bundles: string[];
  cgroups: string[];
  processes: number[];
}> {
  const cgroups: string[] = [];
  for (const hierarchy of await cgroupHierarchies(test.host.layout)) {
    const parent = `${hierarchy}/${test.config.cgroupParent}`;
    for (const entry of readdirSync(parent, { withFileTypes: true })) {
      if (entry.isDirectory()) cgroups.push(`${parent}/${entry.name}`);
    }
  }
  return {
    containers: await listContainers({
      crunPath: test.config.crunPath,
      stateDir: `${test.config.runDir}/crun`,
      layout: test.host.layout,
    }),
    bundles: readdirSync(`${test.config.runDir}/bundles`),
    cgroups,
    processes: hostProcessesWithUidIn(ALL_RANGES),
  };
}

const NOTHING = { containers: [], bundles: [], cgroups: [], processes: [] };

/** Detached every way a learner might: setsid, nohup, a nested pid namespace, a child cgroup. */
const ESCAPE_ARTIST =
  'setsid sleep 301 & nohup sleep 302 >/dev/null 2>&1 & ' +
  'unshare -fp --mount-proc sleep 303 & ' +
  'mkdir /sys/fs/cgroup/pids/hide /sys/fs/cgroup/memory/hide/ && mkdir /sys/fs/cgroup/pids/hide/deeper && ' +
  'sh -c "echo \\$\\$ > /sys/fs/cgroup/pids/hide/deeper/cgroup.procs && exec sleep 304" & ' +
  'exec sleep 300';

describe('destroy', () => {
  it('ends processes detached with setsid, nohup, a nested pid namespace or a child cgroup', async () => {
    const { sandbox } = await startSandbox(test.host, ESCAPE_ARTIST);
    await waitFor(() => (hostProcessesWithUidIn(sandbox.idRange).length >= 6 ? true : undefined));
    await sandbox.destroy();
    expect(hostProcessesWithUidIn(sandbox.idRange)).toEqual([]);
    expect(await leftovers()).toEqual(NOTHING);
  });

  it('ends processes in a child cgroup the learner froze', async () => {
    const { sandbox } = await startSandbox(
      test.host,
      'mkdir /sys/fs/cgroup/freezer/ice && ' +
        'sh -c "echo \\$\\$ > /sys/fs/cgroup/freezer/ice/cgroup.procs && exec sleep 305" & ' +
        // Freeze once the sleep's shell is in ice (waiting at most 10 s): after a fixed pause,
        // a slow start could leave ice empty when frozen, and the test would prove nothing.
        'for i in $(seq 200); do grep -q . /sys/fs/cgroup/freezer/ice/cgroup.procs && break; ' +
        'sleep 0.05; done; ' +
        'echo FROZEN > /sys/fs/cgroup/freezer/ice/freezer.state; exec sleep 300',
    );
    await waitFor(async () =>
      (
        await readFile(
          `${cgroupDirs(test.host.layout, sandbox.cgroupPath).freezer ?? ''}/ice/freezer.state`,
          'utf8',
        ).catch(() => '')
      ).trim() === 'FROZEN'
        ? true
        : undefined,
    );
    await sandbox.destroy();
    expect(hostProcessesWithUidIn(sandbox.idRange)).toEqual([]);
    expect(await leftovers()).toEqual(NOTHING);
  });

  it('is idempotent', async () => {
    const { sandbox } = await startSandbox(test.host, 'exec sleep 300');
    await waitUntilRunning(sandbox);
    await Promise.all([sandbox.destroy(), sandbox.destroy()]);
    await sandbox.destroy();
    expect(await leftovers()).toEqual(NOTHING);
  });

  it('ends a sandbox destroyed while crun is still starting it', async () => {
    // A learner who closes the tab at once: destroy lands at every point of `crun run`, from
    // before it has read the bundle to after the first process runs.
    for (let delayMs = 0; delayMs < 60; delayMs += 3) {
      const { sandbox, exited } = await startSandbox(test.host, 'exec sleep 300');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await sandbox.destroy();
      await exited;
      expect(hostProcessesWithUidIn(sandbox.idRange), `destroyed after ${delayMs} ms`).toEqual([]);
    }
    expect(await leftovers()).toEqual(NOTHING);
  }, 60_000);

  it('cleans up a sandbox that was never started', async () => {
    const sandbox = await test.host.create({ terminal: false });
    await sandbox.destroy();
    expect(await leftovers()).toEqual(NOTHING);
  });
});

describe('start-up', () => {
  it('reaps what a server that died left behind', async () => {
    // A server whose sandbox is running with processes hidden every which way...
    const crashed = await openTestHost(NAME, SLOT);
    const sandbox = await crashed.host.create({
      command: ['/bin/sh', '-c', ESCAPE_ARTIST],
      terminal: false,
    });
    const run = spawn(sandbox.start.file, sandbox.start.args, {
      env: sandbox.start.env,
      stdio: 'ignore',
    });
    await waitFor(() => (hostProcessesWithUidIn(sandbox.idRange).length >= 6 ? true : undefined));
    // ...dies without cleaning up (kill -9 of its crun run; the container lives on).
    run.kill('SIGKILL');
    await new Promise((resolve) => run.on('exit', resolve));
    expect(hostProcessesWithUidIn(sandbox.idRange).length).toBeGreaterThanOrEqual(6);

    // The next server on the same run directory reaps it at start-up.
    const next = await openTestHost(NAME, SLOT);
    expect(next.host.reaped).toEqual([sandbox.id]);
    expect(hostProcessesWithUidIn(sandbox.idRange)).toEqual([]);
    expect(existsSync(`${test.config.runDir}/bundles/${sandbox.id}`)).toBe(false);
    test = next; // the same run directory, now owned by the new server
    expect(await leftovers()).toEqual(NOTHING);
  });
});

describe('100 create/start/destroy cycles', () => {
  it('leave no cgroup, bundle, crun state or process behind', async () => {
    for (let cycle = 0; cycle < 100; cycle++) {
      const { sandbox } = await startSandbox(test.host, 'sleep 300 & exec sleep 300');
      await waitUntilRunning(sandbox);
      await sandbox.destroy();
    }
    expect(await leftovers()).toEqual(NOTHING);
  }, 120_000);
});
