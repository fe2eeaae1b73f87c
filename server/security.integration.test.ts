/**
 * The isolation battery of issue 8, run from inside a learner sandbox with the default config.
 * First canaries are planted where a learner must never reach: the environment of the process
 * that creates sandboxes, files on the server side, another live session's home and the host's
 * /tmp. Then session A searches for them everywhere it can read, and probes the seccomp filter
 * with invalid arguments, so that allowed calls fail harmlessly and denied ones fail early.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { rootfsPath } from './sandbox/image.js';
import { openSandboxHost, type SandboxHost } from './sandbox/index.js';
import {
  DENIED_SYSCALLS,
  EBADF,
  EFAULT,
  EINVAL,
  ENOSYS,
  EPERM,
  parseSyscallProbe,
  syscallProbeScript,
  type SyscallCase,
} from './sandbox/syscall-probe.js';
import {
  removeParentCgroup,
  runScript,
  startSandbox,
  waitUntilRunning,
  type Started,
} from './sandbox/test-helpers.js';

const config = loadConfig({
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-security',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-security',
  NESTBOX_ID_BASE: '1900000000',
});

// Two halves, so the search pattern `${PREFIX}[-]${SUFFIX}` never contains the canary itself
// (the searching grep's own command line would otherwise be a hit).
const PREFIX = 'NBCANARY';
const SUFFIX = randomBytes(12).toString('hex');
const CANARY = `${PREFIX}-${SUFFIX}`;
const PATTERN = `${PREFIX}[-]${SUFFIX}`;

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));
const CANARY_FILES = [
  `${config.runDir}/canary-${SUFFIX}`,
  `${PROJECT_DIR}/.canary-${SUFFIX}`,
  `/tmp/nestbox-canary-${SUFFIX}`,
];

let host: SandboxHost;
let sessionB: Started;

beforeAll(async () => {
  // Planted before the host exists, so every process it starts could inherit it.
  process.env.NESTBOX_TEST_CANARY = CANARY;
  host = await openSandboxHost({ ...config, maxSandboxes: 8 });
  for (const file of CANARY_FILES) writeFileSync(file, `${CANARY}\n`);
  sessionB = await startSandbox(host, 'exec sleep 987654');
  await waitUntilRunning(sessionB.sandbox);
  const planted = await sessionB.sandbox.exec([
    'sh',
    '-c',
    // In B's home and in its writable root (its own layer over the shared image).
    `printf '%s-%s\\n' ${PREFIX} ${SUFFIX} > /root/canary && cp /root/canary /etc/canary && ` +
      'cat /root/canary',
  ]);
  expect(planted.stdout.trim()).toBe(CANARY);
}, 60_000);

afterAll(async () => {
  delete process.env.NESTBOX_TEST_CANARY;
  for (const file of CANARY_FILES) rmSync(file, { force: true });
  await host.dispose();
  await removeParentCgroup(host.layout, config.cgroupParent);
});

/** Runs `script` in a fresh sandbox (session A) and returns its stdout; it must exit 0. */
async function inA(script: string): Promise<string> {
  const { code, stdout } = await runScript(host, script);
  expect(code, stdout).toBe(0);
  return stdout;
}

describe('canaries', () => {
  it('are where the battery says, and the search finds one planted inside', async () => {
    expect(process.env.NESTBOX_TEST_CANARY).toBe(CANARY);
    for (const file of CANARY_FILES) expect(readFileSync(file, 'utf8')).toContain(CANARY);
    // The control: the same searches find the canary once it is written inside A, in a file
    // and in a process environment, so an empty result below means something.
    const hits = await inA(
      `printf '%s-%s\\n' ${PREFIX} ${SUFFIX} > /root/control; ` +
        `CONTROL="$(cat /root/control)" sleep 30 & ` +
        `grep -rlsI --exclude-dir=proc --exclude-dir=sys '${PATTERN}' /; ` +
        `grep -lsa '${PATTERN}' /proc/[0-9]*/environ; kill $!`,
    );
    expect(hits.trim().split('\n')).toEqual([
      '/root/control',
      expect.stringMatching(/^\/proc\/\d+\/environ$/),
    ]);
  });

  it('are unreachable from another session: files, /tmp, environments, command lines', async () => {
    const hits = await inA(
      [
        `grep -rlsI --exclude-dir=proc --exclude-dir=sys '${PATTERN}' /`,
        `grep -lsa '${PATTERN}' /proc/[0-9]*/environ /proc/[0-9]*/cmdline`,
        `env | grep '${PATTERN}'`,
        `cat /proc/1/environ | tr '\\0' '\\n' | grep '${PATTERN}'`,
        'true',
      ].join('; '),
    );
    expect(hits).toBe('');
  }, 60_000);

  it('leave no server variable in the sandbox environment', async () => {
    const variables = (await inA('env; tr "\\0" "\\n" < /proc/1/environ'))
      .split('\n')
      .map((line) => line.split('=')[0] ?? '')
      .filter(Boolean);
    expect(variables.filter((name) => /^(NESTBOX_|NODE|npm_|VITEST)/.test(name))).toEqual([]);
  });

  it("keep session B's processes out of session A's sight", async () => {
    expect(sessionB.output()).toBe('');
    const seen = await inA(
      'ps -eo args= | grep -c "sleep 98765[4]" || true; ls -d /proc/[0-9]* | wc -l',
    );
    const [matches, processes] = seen.trim().split('\n').map(Number);
    expect(matches).toBe(0);
    // sh, ps/grep/ls and wc: a handful, never the host's hundreds.
    expect(processes).toBeLessThan(8);
  });
});

/** Allowed calls, each with the harmless errno its invalid arguments earn from the kernel. */
const ALLOWED: [string, number[], number, ...number[]][] = [
  ['unshare(invalid flags)', [EINVAL], 272, 0x1],
  ['mount(NULL source, NULL target)', [EFAULT, EINVAL], 165, 0, 0, 0, 0, 0],
  ['setns(-1)', [EBADF], 308, -1, 0],
];

/** Runs each call inside A; returns name → errno (0: it succeeded). */
async function probe(calls: readonly SyscallCase[]): Promise<Map<string, number>> {
  return parseSyscallProbe(await inA(syscallProbeScript(calls)));
}

describe('syscalls probed from a learner shell', () => {
  it('fail with EPERM or ENOSYS when denied', async () => {
    const errnos = await probe(DENIED_SYSCALLS);
    expect([...errnos.keys()]).toEqual(DENIED_SYSCALLS.map(([name]) => name));
    for (const [name, errno] of errnos) {
      expect([EPERM, ENOSYS], `${name} gave errno ${errno}`).toContain(errno);
    }
  });

  it('reach the kernel and fail harmlessly when allowed', async () => {
    const errnos = await probe(
      ALLOWED.map(([name, , number, ...args]): SyscallCase => [name, number, ...args]),
    );
    for (const [name, expected] of ALLOWED) {
      expect(expected, `${name} gave errno ${errnos.get(name)}`).toContain(errnos.get(name));
    }
  });

  it('allow nested pid namespaces, with and without a user namespace', async () => {
    const out = await inA(
      'unshare -fp --mount-proc ps -eo pid=,comm=; echo --; ' +
        'unshare -Urfp --mount-proc ps -eo pid=,comm=',
    );
    const [plain = '', user = ''] = out.split('--\n');
    for (const listing of [plain, user]) {
      expect(listing.trim().split('\n')).toEqual([expect.stringMatching(/^\s*1 ps$/)]);
    }
  });
});

/** Names of the host's loaded kernel modules (none on a kernel built without module support). */
function hostModules(): string[] {
  if (!existsSync('/proc/modules')) return [];
  return readFileSync('/proc/modules', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean)
    .sort();
}

/** Runs `probe` (a shell snippet) in A and says whether it succeeded: "ok" or "denied". */
function attempt(name: string, probe: string): string {
  return `if ${probe} >/dev/null 2>&1; then echo "${name}=ok"; else echo "${name}=denied"; fi`;
}

async function attempts(probes: Record<string, string>): Promise<Record<string, string>> {
  const out = await inA(
    Object.entries(probes)
      .map(([name, probe]) => attempt(name, probe))
      .join('\n'),
  );
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((line) => line.split('=') as [string, string]),
  );
}

describe('the battery of research/security.md, from a learner shell', () => {
  it("has the image's /etc/shadow, not the host's", async () => {
    const inside = (await inA('sha256sum /etc/shadow')).split(' ')[0];
    const hash = (file: string): string =>
      createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(inside).toBe(hash(`${rootfsPath(config.dataDir)}/etc/shadow`));
    expect(inside).not.toBe(hash('/etc/shadow'));
  });

  it('has no runtime socket and no socket file at all', async () => {
    const out = await inA(
      'for p in /var/run/docker.sock /run/docker.sock /run/containerd /run/crun /run/nestbox; do ' +
        '[ -e "$p" ] && echo "$p"; done; find / -xdev -type s 2>/dev/null; true',
    );
    expect(out).toBe('');
  });

  it('is refused host-wide knobs, devices, kernel memory and the kernel log', async () => {
    const modules = hostModules();
    expect(
      await attempts({
        sysrq: 'sh -c "echo h > /proc/sysrq-trigger"',
        // The current value written back: harmless even if it were allowed.
        sys: 'sh -c "cat /sys/kernel/mm/ksm/run > /sys/kernel/mm/ksm/run"',
        kcore: 'head -c 1 /proc/kcore',
        mknod: 'mknod /tmp/disk b 8 0',
        dmesg: 'dmesg',
        clock: 'date -s "@$(date +%s)"',
      }),
    ).toEqual({
      sysrq: 'denied',
      sys: 'denied',
      kcore: 'denied',
      mknod: 'denied',
      dmesg: 'denied',
      clock: 'denied',
    });
    expect(await inA('ls /dev')).not.toMatch(/^(mem|kmem|port|kmsg|sd.*|vd.*|nvme.*)$/m);
    // A dummy link in a nested network namespace is the learner's own; no module gets loaded.
    await inA('unshare -Urn ip link add d0 type dummy 2>/dev/null; true');
    expect(hostModules()).toEqual(modules);
  });

  it('keeps writes to /usr and /etc in the session: the image and the next session stay clean', async () => {
    const image = rootfsPath(config.dataDir);
    const passwd = readFileSync(`${image}/etc/passwd`, 'utf8');
    await inA('echo "evil::0:0::/:/bin/sh" >> /etc/passwd && touch /usr/probe /etc/probe');
    expect(readFileSync(`${image}/etc/passwd`, 'utf8')).toBe(passwd);
    expect(existsSync(`${image}/usr/probe`)).toBe(false);
    expect(existsSync(`${image}/etc/probe`)).toBe(false);
    expect(await inA('grep -c evil /etc/passwd; ls /usr/probe /etc/probe 2>/dev/null; true')).toBe(
      '0\n',
    );
  });

  it('mounts no host disk, even with a device node of its own making', async () => {
    const out = await inA(
      "awk 'NR > 2 { print $1, $2, $4 }' /proc/partitions | while read major minor name; do " +
        'mknod "/tmp/$name" b "$major" "$minor" 2>/dev/null && ' +
        'mount -o ro "/tmp/$name" /mnt 2>/dev/null && echo "mounted $name"; ' +
        'unshare -Urm sh -c "mknod /tmp/u$name b $major $minor && mount -o ro /tmp/u$name /mnt" ' +
        '2>/dev/null && echo "mounted $name in a user namespace"; done; true',
    );
    expect(out).toBe('');
  });

  it('reaches neither the outside nor a server listening on the host', async () => {
    const server = createServer((socket) => socket.destroy());
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const { port } = server.address() as AddressInfo;
    const hostAddresses = Object.values(networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .filter((address) => address.family === 'IPv4')
      .map((address) => address.address);
    try {
      const targets = ['1.1.1.1:80', ...hostAddresses.map((address) => `${address}:${port}`)];
      const out = await inA(
        targets
          .map(
            (target) =>
              `timeout 3 bash -c 'echo > /dev/tcp/${target.replace(':', '/')}' 2>/dev/null && echo "reached ${target}"`,
          )
          .concat('true')
          .join('; '),
      );
      expect(out).toBe('');
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it('can neither see nor signal the server by its host pid', async () => {
    const pid = process.pid;
    const out = await inA(
      `tr '\\0' ' ' < /proc/${pid}/cmdline 2>/dev/null; echo; ` +
        `kill -9 ${pid} 2>/dev/null && echo killed; true`,
    );
    expect(out).not.toMatch(/node|vitest|killed/);
  });

  it('mounts every writable place nosuid, and runs with NoNewPrivs', async () => {
    const out = await inA(
      'cp /usr/bin/su /tmp/su && chmod u+s /tmp/su && stat -c %A /tmp/su; ' +
        'grep NoNewPrivs /proc/self/status; ' +
        "awk '$2 ~ /^\\/(root|tmp|run|dev\\/shm)$/ { print $2, $4 }' /proc/mounts",
    );
    const [mode = '', noNewPrivs = '', ...mounts] = out.trim().split('\n');
    expect(mode).toBe('-rwsr-xr-x');
    expect(noNewPrivs).toMatch(/^NoNewPrivs:\s+1$/);
    expect(mounts.map((line) => line.split(' ')[0]).sort()).toEqual([
      '/dev/shm',
      '/root',
      '/run',
      '/tmp',
    ]);
    for (const line of mounts) expect(line).toMatch(/(^|[ ,])nosuid(,|$)/);
  });

  it('changes the hostname inside only', async () => {
    expect((await inA('hostname learner-x && hostname')).trim()).toBe('learner-x');
    expect(hostname()).not.toBe('learner-x');
  });
});
