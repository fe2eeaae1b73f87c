/**
 * The first course's scripts on a pure cgroup v2 layout, on this cgroup v1 host.
 *
 * Each script runs in a private mount namespace (as root, on the host: no sandbox) where a fake
 * sandbox cgroup tree, laid out as cgroup v2 names its files, is mounted at /sys/fs/cgroup, and
 * a scratch /root. The scripts and the image's helpers (cgroup-files, minictr) tell the layouts
 * apart with `stat -f -c %T /sys/fs/cgroup`; a `stat` shim first in PATH answers `cgroup2fs`
 * for exactly that question and runs the real stat for anything else. So this proves the v2
 * file names, paths and parsing of every layout-dependent script, with values chosen per test;
 * what only a real v2 kernel can show (the limits holding) is for a v2 host.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const IMAGE_BIN = resolve('server/sandbox/image-files/usr/local/bin');
const SCENARIOS = resolve('scenarios');

/** A sandbox's own cgroup, as its cgroup namespace shows it on v2 (the namespace root). */
const SANDBOX_TREE: Record<string, string> = {
  'cgroup.controllers': 'cpuset cpu io memory pids',
  'cgroup.subtree_control': '',
  'cgroup.procs': '',
  'cpu.max': '100000 100000',
  'cpu.weight': '100',
  'cpu.idle': '0',
  'cpu.stat': 'usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 0\nnr_throttled 0',
  'cpuset.cpus.effective': '0-1',
  'memory.max': String(256 * 1024 * 1024),
  'memory.current': String(10 * 1024 * 1024),
  'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0',
  'pids.max': '128',
  'pids.current': '5',
  'pids.events': 'max 0',
  // minictr/ as cgroup-files and minictr leave it: its controllers come from its parent.
  'minictr/cgroup.controllers': 'cpuset cpu io memory pids',
  'minictr/cgroup.procs': '',
};

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nestbox-course-v2-'));
  const shim = join(work, 'shim');
  mkdirSync(shim);
  writeFileSync(
    join(shim, 'stat'),
    '#!/bin/bash\n' +
      'if [ "$*" = "-f -c %T /sys/fs/cgroup" ]; then echo cgroup2fs; else exec /usr/bin/stat "$@"; fi\n',
  );
  chmodSync(join(shim, 'stat'), 0o755);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  /** The fake tree after the script, for checking what it wrote. */
  files: (path: string) => string;
}

/**
 * Runs `command` (argv) with the fake v2 tree plus `extra` files (paths relative to the tree;
 * `/root/...` paths go to the scratch /root) mounted in place.
 */
function onV2(command: string[], extra: Record<string, string> = {}): Run {
  const run = mkdtempSync(join(work, 'run-'));
  const tree = join(run, 'cgroup');
  const home = join(run, 'root');
  mkdirSync(home);
  for (const [path, content] of Object.entries({ ...SANDBOX_TREE, ...extra })) {
    const target = path.startsWith('/root/') ? join(home, path.slice(6)) : join(tree, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content === '' ? '' : `${content}\n`); // empty as the kernel shows it
  }
  const result = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      // A PID namespace too, so that pgrep sees this script's processes, not the host's.
      '--pid',
      '--fork',
      '--mount-proc',
      '--',
      '/bin/bash',
      '-c',
      'mount --bind "$1" /sys/fs/cgroup && mount --bind "$2" /root && shift 2 && exec "$@"',
      'course-v2',
      tree,
      home,
      ...command,
    ],
    {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: `${join(work, 'shim')}:${IMAGE_BIN}:/usr/sbin:/usr/bin:/sbin:/bin`,
        HOME: '/root',
      } as unknown as NodeJS.ProcessEnv, // a bare environment, as in a sandbox
    },
  );
  return {
    code: result.status ?? -1,
    stdout: result.stdout + result.stderr,
    files: (path) =>
      spawnSync('cat', [path.startsWith('/root/') ? join(home, path.slice(6)) : join(tree, path)], {
        encoding: 'utf8',
      }).stdout.trim(),
  };
}

const script = (path: string): string[] => ['/bin/bash', join(SCENARIOS, path)];

describe('cgroup-files on v2', () => {
  it('names the layout and finds every controller at the namespace root', () => {
    const run = onV2([
      '/bin/bash',
      '-c',
      'cgroup-files --layout; for c in cpu cpuacct cpuset memory pids; do cgroup-files --dir $c; done',
    ]);
    expect(run.stdout.trim().split('\n')).toEqual([
      'v2',
      ...Array<string>(5).fill('/sys/fs/cgroup'),
    ]);
  });

  it('prints the first CPU of the effective cpuset, for --cpuset-cpus', () => {
    expect(onV2(['cgroup-files', '--first-cpu']).stdout).toBe('0\n');
  });

  it('shows every limit and counter from its v2 file, with no missing file', () => {
    const run = onV2(['cgroup-files']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('no such file');
    expect(run.stdout).toMatch(/^memory limit\s+268435456\s+\/sys\/fs\/cgroup\/memory\.max$/m);
    expect(run.stdout).toMatch(/^cpu time used \(usec\)\s+usage_usec 5000\s/m);
    expect(run.stdout).toMatch(/^forks refused\s+max 0\s+\/sys\/fs\/cgroup\/pids\.events$/m);
    expect(run.stdout).toMatch(/^cpu idle\s+0\s+\/sys\/fs\/cgroup\/cpu\.idle$/m);
  });

  it('enables a controller for child cgroups through cgroup.subtree_control', () => {
    const run = onV2(['cgroup-files', '--enable', 'pids']);
    expect(run.code).toBe(0);
    expect(run.files('cgroup.subtree_control')).toBe('+pids');
  });
});

describe('minictr on v2', () => {
  it('writes each docker run flag to its v2 file', () => {
    const run = onV2([
      'minictr',
      'run',
      '--name',
      'box',
      '--cpus',
      '0.5',
      '--cpu-shares',
      '512',
      '--cpuset-cpus',
      '0',
      '--memory',
      '64M',
      '--pids-limit',
      '20',
      '--',
      'true',
    ]);
    expect(run.stdout).toContain('minictr: box ended with status 0');
    expect(run.files('minictr/box/cpu.max')).toBe('50000 100000');
    expect(run.files('minictr/box/cpu.weight')).toBe('20');
    expect(run.files('minictr/box/cpuset.cpus')).toBe('0');
    expect(run.files('minictr/box/memory.max')).toBe('64M');
    expect(run.files('minictr/box/pids.max')).toBe('20');
    expect(run.files('minictr/cgroup.subtree_control')).toBe('+cpuset +cpu +io +memory +pids');
  });
});

describe('cgroups-cpu on v2', () => {
  it('step 1: the solution reads memory.max and the check accepts it', () => {
    const solved = onV2([
      '/bin/bash',
      '-c',
      `${script('cgroups-cpu/step1/solve.sh').join(' ')} && cat /root/memory-mib && ${script('cgroups-cpu/step1/verify.sh').join(' ')}`,
    ]);
    expect(solved.stdout.trim()).toBe('256');
    expect(solved.code).toBe(0);
    const bytes = onV2(script('cgroups-cpu/step1/verify.sh'), { '/root/memory-mib': '268435456' });
    expect(bytes.code).toBe(1);
    expect(bytes.stdout).toMatch(/^FAIL: 268435456 is the limit in bytes/m);
  });

  it('step 2: the check finds yes and reads usage_usec from cpu.stat', () => {
    // The fake counter never grows, so a running yes fails on the CPU time it did not use.
    const run = onV2([
      '/bin/bash',
      '-c',
      // Until pgrep sees yes (at most 10 s): before it has exec'd, the child is still bash.
      'yes >/dev/null & for i in $(seq 200); do pgrep -x yes >/dev/null && break; sleep 0.05; done; ' +
        `${script('cgroups-cpu/step2/verify.sh').join(' ')}; kill %1`,
    ]);
    expect(run.stdout).toMatch(/^FAIL: your sandbox used only 0 ms of CPU in 2 s/m);
    const idle = onV2(script('cgroups-cpu/step2/verify.sh'));
    expect(idle.stdout).toMatch(/^FAIL: no yes is running/m);
  });

  it('step 3: the check reads cpu.weight and cpuset.cpus.effective', () => {
    const container = (weight: string): Record<string, string> => ({
      'cgroup.procs': String(process.pid),
      'cpu.weight': weight,
      'cpuset.cpus.effective': '0',
      'cpu.stat': 'usage_usec 1000',
    });
    const prefixed = (name: string, files: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(files).map(([file, value]) => [`minictr/${name}/${file}`, value]),
      );
    const run = onV2(script('cgroups-cpu/step3/verify.sh'), {
      ...prefixed('light', container('10')),
      ...prefixed('heavy', container('30')),
    });
    // Weights 10:30 and one CPU each pass; the frozen usage counters then fail the timing.
    expect(run.stdout).toMatch(/^FAIL: in 3 s, light and heavy got only 0 ms of CPU together/m);
    const unweighted = onV2(script('cgroups-cpu/step3/verify.sh'), {
      ...prefixed('light', container('100')),
      ...prefixed('heavy', container('100')),
    });
    expect(unweighted.stdout).toMatch(
      /^FAIL: the weights are 100 \(light\) and 100 \(heavy\), not 1:3/m,
    );
  });

  it('step 5: the check reads the quota from cpu.max', () => {
    const run = onV2(script('cgroups-cpu/step5/verify.sh'), {
      'minictr/half/cgroup.procs': String(process.pid),
      'minictr/half/cpu.max': '50000 100000',
      'minictr/half/cpu.stat': 'usage_usec 1000',
    });
    expect(run.stdout).toMatch(/^FAIL: half has a quota of 50 % of a CPU but hardly runs/m);
    const none = onV2(script('cgroups-cpu/step5/verify.sh'), {
      'minictr/free/cgroup.procs': String(process.pid),
      'minictr/free/cpu.max': 'max 100000',
    });
    expect(none.stdout).toMatch(/^FAIL: no running container has a CPU quota below one CPU/m);
  });

  it('step 6: the check finds an OOM kill in memory.events under memory.max', () => {
    const hungry = (kills: number) => ({
      'minictr/hungry/memory.max': String(64 * 1024 * 1024),
      'minictr/hungry/memory.events': `low 0\nhigh 0\nmax 9\noom 1\noom_kill ${kills}`,
    });
    const passed = onV2(script('cgroups-cpu/step6/verify.sh'), hungry(1));
    expect(passed.code).toBe(0);
    expect(passed.stdout.trim()).toBe('minictr/hungry: oom_kill 1');
    const notYet = onV2(script('cgroups-cpu/step6/verify.sh'), hungry(0));
    expect(notYet.stdout).toMatch(/^FAIL: minictr\/hungry has a memory limit, but nothing/m);
  });
});

describe('pids-fork-bomb on v2', () => {
  it('step 2: the check reads the bomb cgroup at the namespace root', () => {
    const run = onV2(script('pids-fork-bomb/step2/verify.sh'), {
      'bomb/pids.max': '20',
      'bomb/pids.current': '20',
      'bomb/pids.events': 'max 57',
    });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('bomb: 20 of 20 tasks, 57 forks refused.');
  });

  it('step 3: the check sees an empty bomb cgroup that is still there', () => {
    const run = onV2(script('pids-fork-bomb/step3/verify.sh'), { 'bomb/cgroup.procs': '' });
    expect(run.stdout).toMatch(/^FAIL: bomb is empty, but still there/m);
  });

  it('step 4: the check compares ~/bomb-count with pids.max', () => {
    const passed = onV2(script('pids-fork-bomb/step4/verify.sh'), { '/root/bomb-count': '127' });
    expect(passed.code).toBe(0);
    const low = onV2(script('pids-fork-bomb/step4/verify.sh'), { '/root/bomb-count': '40' });
    expect(low.stdout).toMatch(/^FAIL: ~\/bomb-count says 40, but the limit is 128/m);
  });
});
