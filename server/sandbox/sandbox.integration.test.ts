/**
 * Real sandboxes through the module API and through `nestbox shell`: real crun, real cgroups,
 * real namespaces. Runs as root (CI does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { rootfsPath } from './image.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn as spawnPty } from 'node-pty';
import {
  hostProcessesWithUidIn,
  openTestHost,
  removeParentCgroup,
  runScript,
  startSandbox,
  waitFor,
  waitUntilRunning,
  type TestHost,
} from './test-helpers.js';

let test: TestHost;

beforeAll(async () => {
  test = await openTestHost('sandbox', 0);
});

afterAll(async () => {
  await test.close();
  await removeParentCgroup(test.host.layout, SHELL_ENV.NESTBOX_CGROUP_PARENT);
});

/** `nestbox shell` opens a host of its own, so it gets a run directory of its own. */
const SHELL_ENV = {
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-shell',
  NESTBOX_ID_BASE: '1190000000',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-shell',
};

describe('a sandbox', () => {
  it('has the lab hostname (through nestbox shell)', () => {
    const result = spawnSync('node', ['bin/nestbox.mjs', 'shell', '--', 'hostname'], {
      encoding: 'utf8',
      env: SHELL_ENV,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(test.config.hostname);
    expect(result.status).toBe(0);
  });

  it('passes a terminal through nestbox shell, each line ending once in \\r\\n', async () => {
    const terminal = spawnPty('node', ['bin/nestbox.mjs', 'shell', '--', '/bin/echo', 'hi'], {
      env: SHELL_ENV,
      cols: 80,
      rows: 24,
    });
    let output = '';
    terminal.onData((data) => (output += data));
    const exitCode = await new Promise<number>((resolve) => {
      terminal.onExit(({ exitCode }) => {
        resolve(exitCode);
      });
    });
    expect(exitCode).toBe(0);
    expect(output).toContain('hi\r\n');
    expect(output).not.toContain('\r\r\n');
  });

  it('passes the command exit status through nestbox shell', () => {
    const result = spawnSync('node', ['bin/nestbox.mjs', 'shell', '--', 'sh', '-c', 'exit 7'], {
      env: SHELL_ENV,
    });
    expect(result.status).toBe(7);
  });

  it('shows only its own processes', async () => {
    const { stdout } = await runScript(test.host, 'ps -e -o pid=,comm=');
    const processes = stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(processes).toEqual([
      ['1', 'nestbox-init'],
      [expect.any(String), 'sh'],
      [expect.any(String), 'ps'],
    ]);
  });

  it('reaps orphans, whatever its first command does', async () => {
    // A first command that never waits for anyone, as a learner's `exec sleep` would be.
    const started = await startSandbox(test.host, 'exec sleep 60');
    try {
      await waitUntilRunning(started.sandbox);
      const sh = async (script: string) =>
        (await started.sandbox.exec(['/bin/sh', '-c', script])).stdout.trim();
      const orphan = await sh('sleep 5 >/dev/null 2>&1 & echo $!');
      // Its parent has exited, so the kernel handed it to PID 1, the init (init.ts).
      expect(await sh(`ps -o ppid= -p ${orphan}`)).toBe('1');
      // Once it exits, it is reaped: not even a zombie is left to count against pids.max.
      await waitFor(async () => ((await sh(`ps -o stat= -p ${orphan}`)) === '' ? true : undefined));
      expect(await sh('ps -e -o stat= | grep -c Z')).toBe('0');
    } finally {
      await started.sandbox.destroy();
    }
  });

  it('has only the loopback interface', async () => {
    const { stdout } = await runScript(test.host, 'ip -o link');
    const names = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(':')[1]?.trim());
    expect(names).toEqual(['lo']);
  });

  it('lives in seven namespaces of its own', async () => {
    const kinds = ['user', 'pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'];
    const { stdout } = await runScript(
      test.host,
      kinds.map((kind) => `readlink /proc/self/ns/${kind}`).join('; '),
    );
    const inside = stdout.trim().split('\n');
    const outside = kinds.map((kind) => readlinkSync(`/proc/self/ns/${kind}`));
    expect(inside).toHaveLength(kinds.length);
    inside.forEach((namespace, index) => {
      expect(namespace).toMatch(/^\w+:\[\d+\]$/);
      expect(namespace).not.toBe(outside[index]);
    });
  });

  it('is root inside and an unprivileged uid on the host', async () => {
    const { sandbox, output } = await startSandbox(test.host, 'id -u; exec sleep 60');
    try {
      await waitFor(() => (output().includes('\n') ? true : undefined));
      expect(output().trim()).toBe('0');
      const pids = hostProcessesWithUidIn(sandbox.idRange);
      expect(pids.length).toBeGreaterThan(0);
      const hostUid = Number(
        /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pids[0]}/status`, 'utf8'))?.[1],
      );
      expect(hostUid).toBe(sandbox.idRange.hostId);
      expect(hostUid).toBeGreaterThanOrEqual(100_000);
    } finally {
      await sandbox.destroy();
    }
  });

  it('sees image files owned by root, not nobody (idmapped mounts)', async () => {
    const { stdout } = await runScript(test.host, 'stat -c %U:%G /etc/passwd /usr/bin/env');
    expect(stdout.trim().split('\n')).toEqual(['root:root', 'root:root']);
  });

  it('shows / and every top-level entry as root:root, not nobody (a skeleton root)', async () => {
    // /proc and /sys are the kernel's own filesystems, owned by the host's root whatever is
    // under them, as in any user-namespaced container.
    const { stdout } = await runScript(
      test.host,
      'stat -c %U:%G /; ls -ld /bin /usr /etc /opt | while read -r mode links user group rest; ' +
        'do echo "$user:$group"; done; stat -c "%n %U:%G" /* | grep -v " root:root$" | ' +
        'grep -v "^/proc \\|^/sys "; readlink /bin; ls /bin/bash',
    );
    expect(stdout.trim().split('\n')).toEqual([
      'root:root',
      'root:root',
      'root:root',
      'root:root',
      'root:root',
      'usr/bin',
      '/bin/bash',
    ]);
  });

  it('has a writable root: / itself, /etc, /usr/local/bin and /opt', async () => {
    const { code, stdout } = await runScript(
      test.host,
      'set -e; mkdir /data; echo kept > /data/x; echo "10.0.0.9 lab-db" >> /etc/hosts; ' +
        'printf "#!/bin/sh\\necho from-path\\n" > /usr/local/bin/lab-tool; ' +
        'chmod +x /usr/local/bin/lab-tool; lab-tool; echo opt > /opt/y; ' +
        'cat /data/x; grep lab-db /etc/hosts; stat -c %U:%G /etc/hosts /usr/local/bin/lab-tool',
    );
    expect(stdout.trim().split('\n')).toEqual([
      'from-path',
      'kept',
      '10.0.0.9 lab-db',
      'root:root',
      'root:root',
    ]);
    expect(code).toBe(0);
  });

  it("leaves the shared image unchanged, and a second sandbox sees none of the first's writes", async () => {
    const image = rootfsPath(test.config.dataDir);
    const profileBefore = readFileSync(`${image}/etc/profile`, 'utf8');
    const first = await runScript(
      test.host,
      'echo "export LAB=1" >> /etc/profile && touch /usr/bin/first /first && echo wrote',
    );
    expect(first.stdout.trim()).toBe('wrote');
    expect(readFileSync(`${image}/etc/profile`, 'utf8')).toBe(profileBefore);
    expect(existsSync(`${image}/usr/bin/first`)).toBe(false);
    const second = await runScript(
      test.host,
      'grep -c LAB /etc/profile; ls /usr/bin/first /first 2>/dev/null; echo end',
    );
    expect(second.stdout.trim().split('\n')).toEqual(['0', 'end']);
  });

  it('mounts its root and overlays nosuid and nodev', async () => {
    const { stdout } = await runScript(
      test.host,
      'awk \'$5 == "/" || $5 == "/usr" || $5 == "/etc" { print $5, $6 }\' /proc/self/mountinfo',
    );
    const lines = stdout.trim().split('\n');
    // / once; /usr and /etc twice each (the idmapped image, the overlay on it) in idmap mode.
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).toMatch(/\bnosuid\b/);
      expect(line).toMatch(/\bnodev\b/);
    }
  });

  it('keeps its root layer out of the host mount table, and destroy removes its bundle', async () => {
    const started = await startSandbox(test.host, 'touch /x /usr/x && exec sleep 300');
    const bundle = `${test.config.runDir}/bundles/${started.sandbox.id}`;
    try {
      await waitUntilRunning(started.sandbox);
      expect((await started.sandbox.exec(['test', '-e', '/usr/x'])).code).toBe(0);
      // The layer's tmpfs exists in crun's mount namespace only: the host sees an empty
      // mount point and the template it was filled from.
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle);
      expect(readdirSync(`${bundle}/root`)).toEqual([]);
      expect(statSync(`${bundle}/root-template/rootfs`).uid).toBe(started.sandbox.idRange.hostId);
      expect(readlinkSync(`${bundle}/root-template/rootfs/bin`)).toBe('usr/bin');
    } finally {
      await started.sandbox.destroy();
    }
    expect(existsSync(bundle)).toBe(false);
  });

  it('has no server environment', async () => {
    process.env.NESTBOX_TEST_CANARY = 'canary-7f3a9';
    const { stdout } = await runScript(test.host, 'env; cat /proc/1/environ');
    expect(stdout).not.toContain('canary-7f3a9');
    expect(stdout).toContain('HOSTNAME=nestbox');
  });

  it('has size-limited writable tmpfs at /root, /tmp and /run, and a root of the same size', async () => {
    const { stdout } = await runScript(
      test.host,
      'df -B1 --output=target,size / /root /tmp /run | tail -n +2',
    );
    for (const mount of ['/', '/root', '/tmp', '/run']) {
      expect(stdout).toMatch(new RegExp(`^${mount}\\s+${test.config.limits.tmpfsBytes}\\b`, 'm'));
    }
  });

  it('runs with no_new_privs, core dumps off and open files bounded', async () => {
    const { stdout } = await runScript(
      test.host,
      'grep NoNewPrivs /proc/self/status; ulimit -Hc; ulimit -Hn',
    );
    expect(stdout.trim().split('\n')).toEqual([
      'NoNewPrivs:\t1',
      '0',
      String(test.config.limits.nofile),
    ]);
  });
});

describe('two live sandboxes', () => {
  it('get distinct uid ranges', async () => {
    const a = await test.host.create({ terminal: false });
    const b = await test.host.create({ terminal: false });
    try {
      expect(Math.abs(a.idRange.hostId - b.idRange.hostId)).toBeGreaterThanOrEqual(a.idRange.size);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it("cannot see, read or signal each other's processes, even by host pid", async () => {
    const a = await startSandbox(test.host, 'exec sleep 300');
    const b = await startSandbox(test.host, 'exec sleep 300');
    try {
      // Running, so the one process in B's range is its sleep: while crun still sets B up, the
      // first pid in that range is often a short-lived crun helper, gone (or a zombie) by the
      // time its status is read at the end.
      await Promise.all([waitUntilRunning(a.sandbox), waitUntilRunning(b.sandbox)]);
      const [victim] = await waitFor(() => {
        const pids = hostProcessesWithUidIn(b.sandbox.idRange);
        return pids.length > 0 ? pids : undefined;
      });
      expect(victim).toBeDefined();
      const victimUid = Number(
        /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${victim}/status`, 'utf8'))?.[1],
      );
      expect(victimUid).toBe(b.sandbox.idRange.hostId);
      expect(victimUid).not.toBe(a.sandbox.idRange.hostId);

      await waitFor(() =>
        hostProcessesWithUidIn(a.sandbox.idRange).length > 0 ? true : undefined,
      );
      const attempt = await a.sandbox.exec([
        '/bin/sh',
        '-c',
        `kill -9 ${victim}; echo kill=$?; cat /proc/${victim}/environ; echo read=$?; ` +
          `ls /proc | grep -cx ${victim}`,
      ]);
      expect(attempt.stdout).toContain('kill=1');
      expect(attempt.stdout).toContain('read=1');
      expect(attempt.stdout.trim().split('\n').at(-1)).toBe('0');
      // (H) B's process is untouched.
      expect(readFileSync(`/proc/${victim}/status`, 'utf8')).toMatch(/^State:\s+S/m);
    } finally {
      await Promise.all([a.sandbox.destroy(), b.sandbox.destroy()]);
    }
  });

  it('are refused by the kernel on their host uids alone, with the pid in plain sight', async () => {
    const a = await startSandbox(test.host, 'exec sleep 300');
    const b = await startSandbox(test.host, 'exec sleep 300');
    try {
      // Running, so the one process in each range is its sleep, not crun still setting up.
      await Promise.all([waitUntilRunning(a.sandbox), waitUntilRunning(b.sandbox)]);
      const [own] = await waitFor(() => {
        const pids = hostProcessesWithUidIn(a.sandbox.idRange);
        return pids.length > 0 ? pids : undefined;
      });
      const [victim] = await waitFor(() => {
        const pids = hostProcessesWithUidIn(b.sandbox.idRange);
        return pids.length > 0 ? pids : undefined;
      });
      // A process of the host with A's root's host uid and no capabilities at all: what A's
      // root would be if it escaped its pid namespace. It may signal its own sandbox's
      // process (so the check can fail), but not B's, and it cannot read B's environment.
      const hostId = String(a.sandbox.idRange.hostId);
      const attempt = spawnSync(
        'setpriv',
        [
          `--reuid=${hostId}`,
          `--regid=${hostId}`,
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
          '--',
          '/bin/sh',
          '-c',
          `kill -0 ${own}; echo own=$?; kill -9 ${victim}; echo kill=$?; ` +
            `cat /proc/${victim}/environ; echo read=$?`,
        ],
        { encoding: 'utf8', timeout: 10_000 },
      );
      expect(attempt.stdout.trim().split('\n')).toEqual(['own=0', 'kill=1', 'read=1']);
      expect(attempt.stderr).toMatch(/Operation not permitted/);
      expect(attempt.stderr).toMatch(/Permission denied/);
      expect(readFileSync(`/proc/${victim}/status`, 'utf8')).toMatch(/^State:\s+S/m);
    } finally {
      await Promise.all([a.sandbox.destroy(), b.sandbox.destroy()]);
    }
  });
});
