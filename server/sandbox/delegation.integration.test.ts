/**
 * Delegation for the cgroups lessons (v1/hybrid here): the learner sees their own cgroup at
 * /sys/fs/cgroup, can make child cgroups with tighter limits and move processes into them, and
 * can neither raise their own limits nor leave their cgroup.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupDirs, cgroupFile, type Sandbox } from './index.js';
import {
  hostProcessesWithUidIn,
  openTestHost,
  startSandbox,
  waitUntilRunning,
  type Started,
  type TestHost,
} from './test-helpers.js';

let test: TestHost;
let started: Started;
let sandbox: Sandbox;

beforeAll(async () => {
  test = await openTestHost('delegation', 3, { NESTBOX_PIDS_LIMIT: '64' });
  started = await startSandbox(test.host, 'exec sleep 300');
  sandbox = started.sandbox;
  await waitUntilRunning(sandbox);
});

afterAll(async () => {
  await sandbox.destroy();
  await test.close();
});

async function inside(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return sandbox.exec(['/bin/bash', '-c', script]);
}

/** The cgroup (relative to the hierarchy root) of every process of the sandbox, per host. */
async function hostCgroupsOfSandbox(controller: string): Promise<string[]> {
  const paths: string[] = [];
  for (const pid of hostProcessesWithUidIn(sandbox.idRange)) {
    const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
    const line = text.split('\n').find((entry) => entry.split(':')[1] === controller);
    if (line) paths.push(line.split(':')[2] ?? '');
  }
  return paths;
}

describe('a learner in a sandbox', () => {
  it('sees their own cgroup as the root of /sys/fs/cgroup', async () => {
    const { stdout } = await inside(
      'grep -E ":(pids|memory):" /proc/self/cgroup; cat /sys/fs/cgroup/pids/pids.max',
    );
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.replace(/^\d+:/, ''))).toEqual(['pids:/', 'memory:/', '64']);
  });

  it('can make a child cgroup with a tighter limit and move a process into it', async () => {
    const { code, stdout, stderr } = await inside(
      'mkdir /sys/fs/cgroup/pids/child && echo 10 > /sys/fs/cgroup/pids/child/pids.max && ' +
        'echo $$ > /sys/fs/cgroup/pids/child/cgroup.procs && grep ":pids:" /proc/self/cgroup && ' +
        // The child's limit holds: with bash and perl in it, perl gets 8 of its 20 forks.
        "perl -e 'for (1..20) { my $p = fork(); last unless defined $p; " +
        'if (!$p) { sleep 30; exit } $n++ } print "forked=$n\\n"\'; ' +
        'cat /sys/fs/cgroup/pids/child/pids.current',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/:pids:\/child$/);
    expect(lines[1]).toBe('forked=8');
    expect(Number(lines[2])).toBeLessThanOrEqual(10);
    // (H) On the host the child sits under the sandbox's own cgroup.
    expect(existsSync(`${cgroupDirs(test.host.layout, sandbox.cgroupPath).pids ?? ''}/child`)).toBe(
      true,
    );
    expect(await hostCgroupsOfSandbox('pids')).toContain(`/${sandbox.cgroupPath}/child`);
  });

  it('can make child cgroups in the memory and cpuset controllers too', async () => {
    const { code, stdout, stderr } = await inside(
      'mkdir /sys/fs/cgroup/memory/lesson && echo 32M > /sys/fs/cgroup/memory/lesson/memory.limit_in_bytes && ' +
        'cat /sys/fs/cgroup/memory/lesson/memory.limit_in_bytes && ' +
        'mkdir /sys/fs/cgroup/cpuset/lesson && echo $$ > /sys/fs/cgroup/cpuset/lesson/cgroup.procs && ' +
        'cat /sys/fs/cgroup/cpuset/lesson/cpuset.cpus',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [memoryLimit, cpus] = stdout.trim().split('\n');
    expect(Number(memoryLimit)).toBe(32 * 1024 * 1024);
    expect(cpus).toMatch(/^\d/); // inherited from the parent, so a process can live there
  });

  it('cannot raise their own limits', async () => {
    const { stdout } = await inside(
      'echo 100000 > /sys/fs/cgroup/pids/pids.max; echo pids=$?; ' +
        'echo -1 > /sys/fs/cgroup/memory/memory.limit_in_bytes; echo memory=$?; ' +
        'echo -1 > /sys/fs/cgroup/cpu/cpu.cfs_quota_us; echo cpu=$?; ' +
        'echo 262144 > /sys/fs/cgroup/cpu/cpu.shares; echo shares=$?; ' +
        // Busy sandboxes are marked cpu.idle (busy-demotion.ts): a learner must not lift it.
        'echo 0 > /sys/fs/cgroup/cpu/cpu.idle; echo idle=$?',
    );
    expect(stdout).toContain('pids=1');
    expect(stdout).toContain('memory=1');
    expect(stdout).toContain('cpu=1');
    expect(stdout).toContain('shares=1');
    expect(stdout).toContain('idle=1');
    // (H) The limits are unchanged.
    const read = (file: string): Promise<string> =>
      readFile(cgroupFile(test.host.layout, sandbox.cgroupPath, file), 'utf8');
    expect(await read('pids.max')).toBe('64\n');
    expect(await read('memory.limit_in_bytes')).toBe(`${test.config.limits.memoryBytes}\n`);
    expect(await read('cpu.cfs_quota_us')).toBe('100000\n');
    expect(await read('cpu.shares')).toBe('1024\n');
  });

  it('cannot leave their cgroup, not even through a fresh cgroup mount', async () => {
    const { stdout } = await inside(
      'ls /sys/fs/cgroup/pids/.. | grep -c nestbox; ' +
        'unshare -m sh -c "mount -t cgroup -o pids none /mnt && cat /mnt/pids.max && ' +
        'echo \\$\\$ > /mnt/cgroup.procs && grep :pids: /proc/self/cgroup"',
    );
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('0'); // nothing above their own cgroup is visible
    expect(lines[1]).toBe('64'); // the fresh mount is rooted at their own cgroup too
    expect(lines[2]).toMatch(/:pids:\/$/);
    // (H) Every process of the sandbox is still inside its cgroup.
    for (const path of await hostCgroupsOfSandbox('pids')) {
      expect(path, path).toMatch(new RegExp(`^/${sandbox.cgroupPath}(/|$)`));
    }
  });
});
