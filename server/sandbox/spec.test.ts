/**
 * Unit tests for the pure parts of the sandbox module: the OCI spec builder, the cgroup path
 * helpers, the uid range allocator, the runtime argv, and the configuration they are fed from.
 * No root, no crun: every security decision here is checked on the generated data.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { consoleMount } from './controlling-terminal.js';
import { INIT } from './init.js';
import { V1_CONTROLLERS, cgroupDirs, cgroupFile, type CgroupLayout } from './cgroups.js';
import { IdRangeAllocator, type IdRange } from './ids.js';
import type { SandboxLimits } from './limits.js';
import type { OciSeccomp, OciSeccompArg, OciSpec } from './oci.js';
import type { ResourceHost } from './resources.js';
import { runtimeArgv, type RuntimeConfig } from './runtime.js';
import { SECCOMP_ARCHITECTURES, loadMobyProfile, type MobySeccompProfile } from './seccomp.js';
import { buildSpec, OWN_TOP_LEVEL_MOUNTS, type RootLayout, type SpecInput } from './spec.js';

const MIB = 1024 * 1024;
const ROOTFS = '/var/lib/nestbox/images/base/rootfs';
const LAYER = '/run/nestbox/bundles/nestbox-0123456789abcdef/root';
const SKELETON = `${LAYER}/rootfs`;
const CONSOLE = '/run/nestbox/bundles/nestbox-0123456789abcdef/console';

/** The root of `dirs`, each overlaid on the image's own (idmapped, or a shifted copy's). */
function root(dirs: readonly string[], idmapped = true): RootLayout {
  return {
    rootfs: SKELETON,
    overlays: dirs.map((dir) => ({
      dir,
      lower: `${ROOTFS}/${dir}`,
      idmapped,
      upper: `${LAYER}/upper/${dir}`,
      work: `${LAYER}/work/${dir}`,
    })),
  };
}
const X64 = SECCOMP_ARCHITECTURES.x64;

const LIMITS: SandboxLimits = {
  pids: 64,
  memoryBytes: 128 * MIB,
  cpus: 0.5,
  cpuWeight: 100,
  cpuset: '',
  tmpfsBytes: 32 * MIB,
  tmpfsInodes: 4096,
  nofile: 512,
};

let profile: MobySeccompProfile;

beforeAll(async () => {
  profile = await loadMobyProfile();
});

function input(overrides: Partial<SpecInput> = {}): SpecInput {
  if (!X64) throw new Error('no x64 seccomp architecture');
  const cgroups: ResourceHost = { layout: 'v2', swapAccounting: true };
  return {
    root: root(['etc', 'usr', 'var']),
    hostname: 'nestbox',
    args: ['/bin/bash', '--login'],
    respawn: true,
    console: CONSOLE,
    idRange: { hostId: 1_000_131_072, size: 65536 },
    cgroupsPath: 'nestbox/nestbox-0123456789abcdef',
    limits: LIMITS,
    cgroups,
    maskProc: false,
    seccomp: { profile, architecture: X64 },
    ...overrides,
  };
}

/**
 * What the kernel would do with one system call under `filter`, evaluated the way libseccomp
 * does: the rules naming the call whose argument conditions all hold decide; none means the
 * default action. Conflicting verdicts would make the filter ambiguous, so they fail the test.
 */
function verdict(filter: OciSeccomp, name: string, args: readonly bigint[] = []): 'allow' | 'deny' {
  const holds = (condition: OciSeccompArg): boolean => {
    const arg = args[condition.index] ?? 0n;
    const value = BigInt(condition.value);
    switch (condition.op) {
      case 'SCMP_CMP_EQ':
        return arg === value;
      case 'SCMP_CMP_NE':
        return arg !== value;
      case 'SCMP_CMP_LT':
        return arg < value;
      case 'SCMP_CMP_LE':
        return arg <= value;
      case 'SCMP_CMP_GT':
        return arg > value;
      case 'SCMP_CMP_GE':
        return arg >= value;
      case 'SCMP_CMP_MASKED_EQ':
        return (arg & value) === BigInt(condition.valueTwo ?? 0);
    }
  };
  const actions = new Set(
    filter.syscalls
      .filter((rule) => rule.names.includes(name) && (rule.args ?? []).every(holds))
      .map((rule) => rule.action),
  );
  if (actions.size > 1) throw new Error(`conflicting seccomp rules for ${name}`);
  const [action = filter.defaultAction] = actions;
  return action === 'SCMP_ACT_ALLOW' ? 'allow' : 'deny';
}

/** The errno a denied call fails with. */
function errnoOf(filter: OciSeccomp, name: string): number | undefined {
  const rule = filter.syscalls.find(
    (candidate) => candidate.names.includes(name) && candidate.action === 'SCMP_ACT_ERRNO',
  );
  return rule ? rule.errnoRet : filter.defaultErrnoRet;
}

/** The one mount at `destination` (of `type`, where an overlay covers an idmapped bind). */
function mount(spec: OciSpec, destination: string, type?: string) {
  const found = spec.mounts.filter(
    (candidate) =>
      candidate.destination === destination && (type === undefined || candidate.type === type),
  );
  expect(found, `one mount at ${destination}`).toHaveLength(1);
  return found[0];
}

describe('buildSpec', () => {
  it('creates all seven namespaces, each new rather than joined', () => {
    const { namespaces } = buildSpec(input()).linux;
    expect(namespaces.map((namespace) => namespace.type).sort()).toEqual(
      ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'].sort(),
    );
    for (const namespace of namespaces) expect(namespace).not.toHaveProperty('path');
  });

  it('maps container root to the given host range, for uids and gids alike', () => {
    const range = { hostId: 1_000_196_608, size: 65536 };
    const { linux } = buildSpec(input({ idRange: range }));
    const expected = [{ containerID: 0, hostID: range.hostId, size: range.size }];
    expect(linux.uidMappings).toEqual(expected);
    expect(linux.gidMappings).toEqual(expected);
    const other = buildSpec(input({ idRange: { hostId: 1_000_000_000, size: 65536 } }));
    expect(other.linux.uidMappings[0]?.hostID).toBe(1_000_000_000);
  });

  it('caps pids, memory with no extra swap, and cpu as a quota of the period', () => {
    const { resources } = buildSpec(input()).linux;
    expect(resources.pids).toEqual({ limit: 64 });
    expect(resources.memory.limit).toBe(128 * MIB);
    // OCI swap is memory + swap, so equal to the limit means no swap on top.
    expect(resources.memory.swap).toBe(resources.memory.limit);
    expect(resources.cpu.quota).toBe(50_000);
    expect(resources.cpu.period).toBe(100_000);
    expect(resources.devices).toEqual([{ allow: false, access: 'rwm' }]);
  });

  it.each([
    [0.25, 25_000],
    [1, 100_000],
    [2, 200_000],
  ])('gives %d cpus a quota of %d per 100 ms', (cpus, quota) => {
    const { cpu } = buildSpec(input({ limits: { ...LIMITS, cpus } })).linux.resources;
    expect(cpu).toMatchObject({ quota, period: 100_000 });
  });

  it('applies the same limits on cgroup v1 and hybrid hosts', () => {
    for (const layout of ['v1', 'hybrid'] as const) {
      const { resources } = buildSpec(input({ cgroups: { layout, swapAccounting: true } })).linux;
      expect(resources.pids.limit).toBe(64);
      expect(resources.memory).toMatchObject({ limit: 128 * MIB, swap: 128 * MIB });
      expect(resources.cpu).toMatchObject({ quota: 50_000, period: 100_000 });
    }
  });

  it('asks for no swap limit where the kernel cannot account swap', () => {
    const { memory } = buildSpec(input({ cgroups: { layout: 'v2', swapAccounting: false } })).linux
      .resources;
    expect(memory).toEqual({ limit: 128 * MIB });
  });

  it('makes the root the writable skeleton and mounts nothing of the host but the image and its pty', () => {
    const spec = buildSpec(input());
    expect(spec.root).toEqual({ path: SKELETON, readonly: false });
    const binds = spec.mounts.filter((candidate) => candidate.type === 'bind');
    expect(binds).toContainEqual(consoleMount(CONSOLE));
    for (const entry of binds.filter((candidate) => candidate.destination !== '/dev/console')) {
      expect(entry.source.startsWith(`${ROOTFS}/`), entry.source).toBe(true);
    }
  });

  it.each(['/root', '/tmp', '/run'])('makes %s a tmpfs bounded in size and inodes', (where) => {
    const entry = mount(buildSpec(input()), where);
    expect(entry?.type).toBe('tmpfs');
    expect(entry?.options).toEqual(
      expect.arrayContaining([`size=${32 * MIB}`, 'nr_inodes=4096', 'nosuid', 'nodev']),
    );
  });

  it('bounds /dev/shm like the other writable tmpfs', () => {
    expect(mount(buildSpec(input()), '/dev/shm')?.options).toEqual(
      expect.arrayContaining([`size=${32 * MIB}`, 'nr_inodes=4096']),
    );
  });

  it('mounts a filesystem of its own on exactly the OWN_TOP_LEVEL_MOUNTS', () => {
    const spec = buildSpec(input({ root: root([]) }));
    const topLevel = spec.mounts
      .map((entry) => entry.destination)
      .filter((destination) => /^\/[^/]+$/.test(destination))
      .map((destination) => destination.slice(1))
      .sort();
    expect(topLevel).toEqual([...OWN_TOP_LEVEL_MOUNTS]);
  });

  it('binds each shared image directory read-only with an idmap, then overlays it there', () => {
    const spec = buildSpec(input({ root: root(['etc', 'usr']), console: undefined }));
    const layered = spec.mounts.filter((entry) => ['bind', 'overlay'].includes(entry.type));
    expect(layered.map((entry) => `${entry.type} ${entry.destination}`)).toEqual([
      'bind /etc',
      'overlay /etc',
      'bind /usr',
      'overlay /usr',
    ]);
    for (const entry of layered.filter((candidate) => candidate.type === 'bind')) {
      expect(entry.source).toBe(`${ROOTFS}${entry.destination}`);
      expect(entry.options).toEqual(expect.arrayContaining(['idmap', 'ro']));
      expect(entry.options).not.toContain('rw');
    }
    // The overlay's lower layer is where the idmapped bind lies, as crun sees it before it
    // pivots: the root's own directory. Writes go to the root layer, never to the image.
    expect(mount(spec, '/usr', 'overlay')?.options).toEqual([
      `lowerdir=${SKELETON}/usr`,
      `upperdir=${LAYER}/upper/usr`,
      `workdir=${LAYER}/work/usr`,
      'nosuid',
      'nodev',
    ]);
  });

  it('overlays a uid-shifted copy directly, with no idmap and no bind', () => {
    const spec = buildSpec(input({ root: root(['usr'], false), console: undefined }));
    expect(spec.mounts.filter((entry) => entry.type === 'bind')).toEqual([]);
    expect(mount(spec, '/usr', 'overlay')?.options).toEqual(
      expect.arrayContaining([`lowerdir=${ROOTFS}/usr`, 'nosuid', 'nodev']),
    );
  });

  describe('the environment', () => {
    const canary = 'NESTBOX_TEST_CANARY_SECRET';
    afterEach(() => {
      delete process.env.NESTBOX_TEST_CANARY_SECRET;
    });

    it('holds only PATH, TERM, HOME, LANG and HOSTNAME, whatever the server has', () => {
      process.env[canary] = 'hunter2-canary-value';
      const { env } = buildSpec(input({ hostname: 'lab-7' })).process;
      expect(env.map((entry) => entry.slice(0, entry.indexOf('=')))).toEqual([
        'PATH',
        'TERM',
        'HOME',
        'LANG',
        'HOSTNAME',
      ]);
      expect(env).toContain('HOSTNAME=lab-7');
      expect(env).toContain('HOME=/root');
      expect(env.join('\n')).not.toContain(canary);
      expect(env.join('\n')).not.toContain('hunter2-canary-value');
    });
  });

  it('masks nothing in /proc by default, and Docker’s paths when maskProc is set', () => {
    const open = buildSpec(input()).linux;
    expect(open.maskedPaths).toEqual([]);
    expect(open.readonlyPaths).toEqual([]);
    const masked = buildSpec(input({ maskProc: true })).linux;
    expect(masked.maskedPaths).toEqual(
      expect.arrayContaining(['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware']),
    );
    expect(masked.readonlyPaths).toEqual(
      expect.arrayContaining(['/proc/sys', '/proc/sysrq-trigger']),
    );
  });

  describe('seccomp', () => {
    let filter: OciSeccomp;
    beforeAll(() => {
      filter = buildSpec(input()).linux.seccomp;
    });

    it.each([
      'keyctl',
      'add_key',
      'request_key',
      'bpf',
      'io_uring_setup',
      'io_uring_enter',
      'io_uring_register',
      'userfaultfd',
      'perf_event_open',
      'kexec_load',
      'kexec_file_load',
      'open_by_handle_at',
      'init_module',
      'finit_module',
      'delete_module',
      'acct',
    ])('denies %s', (name) => {
      expect(verdict(filter, name)).toBe('deny');
    });

    it('denies AF_ALG and AF_VSOCK sockets, also with high bits set', () => {
      const AF_ALG = 38n;
      const AF_VSOCK = 40n;
      expect(verdict(filter, 'socket', [AF_ALG])).toBe('deny');
      expect(verdict(filter, 'socket', [AF_VSOCK])).toBe('deny');
      expect(verdict(filter, 'socket', [(1n << 32n) | AF_VSOCK])).toBe('deny');
    });

    it.each([
      ['AF_UNIX', 1n],
      ['AF_INET', 2n],
      ['AF_INET6', 10n],
      ['AF_NETLINK', 16n],
      ['AF_PACKET', 17n],
    ])('allows %s sockets', (_family, value) => {
      expect(verdict(filter, 'socket', [value])).toBe('allow');
    });

    it.each(['read', 'write', 'execve', 'clone', 'unshare', 'setns', 'mount', 'pivot_root'])(
      'allows %s, which shells and the namespace lessons need',
      (name) => {
        expect(verdict(filter, name)).toBe('allow');
      },
    );

    it('denies what no rule names, with EPERM', () => {
      expect(filter.defaultAction).toBe('SCMP_ACT_ERRNO');
      expect(verdict(filter, 'no_such_syscall_nestbox')).toBe('deny');
      expect(errnoOf(filter, 'keyctl')).toBe(1);
    });

    it('covers only the native architecture, so compat syscalls are refused', () => {
      expect(filter.architectures).toEqual(['SCMP_ARCH_X86_64']);
    });
  });

  it('sets noNewPrivileges and no core dumps, and caps open files', () => {
    const { process: proc } = buildSpec(input());
    expect(proc.noNewPrivileges).toBe(true);
    expect(proc.rlimits).toEqual(
      expect.arrayContaining([
        { type: 'RLIMIT_NOFILE', hard: 512, soft: 512 },
        { type: 'RLIMIT_CORE', hard: 0, soft: 0 },
      ]),
    );
  });

  it('keeps dangerous capabilities out of every set', () => {
    const { capabilities } = buildSpec(input()).process;
    const dangerous = [
      'CAP_SYS_MODULE',
      'CAP_SYS_PTRACE',
      'CAP_SYS_TIME',
      'CAP_SYS_RAWIO',
      'CAP_SYS_BOOT',
      'CAP_SYS_PACCT',
      'CAP_SYS_NICE',
      'CAP_SYS_RESOURCE',
      'CAP_SYS_TTY_CONFIG',
      'CAP_NET_ADMIN',
      'CAP_SYSLOG',
      'CAP_DAC_READ_SEARCH',
      'CAP_MAC_ADMIN',
      'CAP_MAC_OVERRIDE',
      'CAP_BPF',
      'CAP_PERFMON',
      'CAP_LINUX_IMMUTABLE',
      'CAP_IPC_LOCK',
      'CAP_AUDIT_CONTROL',
      'CAP_AUDIT_READ',
      'CAP_BLOCK_SUSPEND',
      'CAP_WAKE_ALARM',
      'CAP_CHECKPOINT_RESTORE',
    ];
    const sets = Object.entries(capabilities);
    expect(sets.map(([name]) => name).sort()).toEqual(['bounding', 'effective', 'permitted']);
    for (const [name, set] of sets) {
      for (const capability of dangerous) expect(set, `${name} set`).not.toContain(capability);
      for (const capability of set) expect(capabilities.bounding).toContain(capability);
    }
  });

  it('runs the given command under the init, taking the handed-over pty as its terminal and starting it again after a kill only when asked', () => {
    const shell = buildSpec(input());
    // Never crun's own console: it would need a relay between two ptys.
    expect(shell.process.terminal).toBe(false);
    // The console is opened before the init runs: only a session leader gains a terminal.
    expect(shell.process.args).toEqual([
      '/bin/sh',
      '-c',
      expect.stringContaining('<>/dev/console'),
      'sh',
      INIT,
      '--respawn',
      '--',
      '/bin/bash',
      '--login',
    ]);
    expect(shell.mounts).toContainEqual(consoleMount(CONSOLE));
    const batch = buildSpec(input({ args: ['/bin/true'], respawn: false, console: undefined }));
    expect(batch.process).toMatchObject({ args: [INIT, '--', '/bin/true'], terminal: false });
    expect(batch.mounts.map((mount) => mount.destination)).not.toContain('/dev/console');
  });

  it('uses the relative cgroup path it was given', () => {
    expect(buildSpec(input()).linux.cgroupsPath).toBe('nestbox/nestbox-0123456789abcdef');
  });

  it('is pure: the same input gives the same spec, and the input is not changed', () => {
    const given = input();
    const before = JSON.stringify(given);
    expect(buildSpec(given)).toEqual(buildSpec(input()));
    expect(JSON.stringify(given)).toBe(before);
  });
});

describe('cgroupDirs and cgroupFile', () => {
  const path = 'nestbox/nestbox-abc';

  it('use one directory on v2', () => {
    expect(cgroupDirs('v2', path)).toEqual({ unified: '/sys/fs/cgroup/nestbox/nestbox-abc' });
    expect(cgroupFile('v2', path, 'pids.max')).toBe('/sys/fs/cgroup/nestbox/nestbox-abc/pids.max');
    expect(cgroupFile('v2', path, 'memory.max')).toBe(
      '/sys/fs/cgroup/nestbox/nestbox-abc/memory.max',
    );
  });

  it.each(['v1', 'hybrid'] as const)('use one directory per controller on %s', (layout) => {
    const dirs = cgroupDirs(layout, path);
    expect(Object.keys(dirs).sort()).toEqual([...V1_CONTROLLERS].sort());
    for (const [controller, dir] of Object.entries(dirs)) {
      expect(dir).toBe(`/sys/fs/cgroup/${controller}/nestbox/nestbox-abc`);
    }
    expect(dirs).not.toHaveProperty('unified');
    expect(cgroupFile(layout, path, 'pids.max')).toBe(
      '/sys/fs/cgroup/pids/nestbox/nestbox-abc/pids.max',
    );
    expect(cgroupFile(layout, path, 'memory.memsw.limit_in_bytes')).toBe(
      '/sys/fs/cgroup/memory/nestbox/nestbox-abc/memory.memsw.limit_in_bytes',
    );
    expect(cgroupFile(layout, path, 'cpu.cfs_quota_us')).toBe(
      '/sys/fs/cgroup/cpu/nestbox/nestbox-abc/cpu.cfs_quota_us',
    );
  });

  it('honour another cgroup root', () => {
    const layouts: CgroupLayout[] = ['v2', 'v1', 'hybrid'];
    for (const layout of layouts) {
      for (const dir of Object.values(cgroupDirs(layout, path, '/tmp/cg'))) {
        expect(dir.startsWith('/tmp/cg/')).toBe(true);
      }
      expect(cgroupFile(layout, path, 'pids.current', '/tmp/cg').startsWith('/tmp/cg/')).toBe(true);
    }
  });
});

describe('IdRangeAllocator', () => {
  const BASE = 1_000_000_000;
  const SIZE = 65536;

  it('hands out distinct, non-overlapping ranges above the base', () => {
    const ids = new IdRangeAllocator(BASE, SIZE, 4);
    const ranges = [ids.allocate(), ids.allocate(), ids.allocate(), ids.allocate()];
    const defined = ranges.filter((range): range is IdRange => range !== undefined);
    expect(defined).toHaveLength(4);
    const sorted = [...defined].sort((a, b) => a.hostId - b.hostId);
    for (const [index, range] of sorted.entries()) {
      expect(range.size).toBe(SIZE);
      expect(range.hostId).toBeGreaterThanOrEqual(BASE);
      const next = sorted[index + 1];
      if (next) expect(range.hostId + range.size).toBeLessThanOrEqual(next.hostId);
    }
    expect(ids.liveCount).toBe(4);
  });

  it('returns undefined when every slot is taken', () => {
    const ids = new IdRangeAllocator(BASE, SIZE, 2);
    expect(ids.allocate()).toBeDefined();
    expect(ids.allocate()).toBeDefined();
    expect(ids.allocate()).toBeUndefined();
    expect(ids.allocate()).toBeUndefined();
    expect(ids.liveCount).toBe(2);
  });

  it('makes a released slot reusable, and only that one', () => {
    const ids = new IdRangeAllocator(BASE, SIZE, 3);
    const a = ids.allocate();
    const b = ids.allocate();
    const c = ids.allocate();
    if (!a || !b || !c) throw new Error('allocation failed');
    ids.release(b);
    expect(ids.liveCount).toBe(2);
    const again = ids.allocate();
    expect(again).toEqual(b);
    expect(again?.hostId).not.toBe(a.hostId);
    expect(again?.hostId).not.toBe(c.hostId);
    expect(ids.allocate()).toBeUndefined();
  });
});

describe('runtimeArgv', () => {
  const base: Omit<RuntimeConfig, 'layout'> = {
    crunPath: '/usr/bin/crun',
    stateDir: '/run/nestbox/crun',
  };
  const args = ['run', '--bundle', '/run/nestbox/bundles/x', 'x'];

  it.each(['v1', 'v2'] as const)('runs crun directly on %s, with our own --root', (layout) => {
    const argv = runtimeArgv({ ...base, layout }, args);
    expect(argv[0]).toBe('/usr/bin/crun');
    const root = argv.indexOf('--root');
    expect(root).toBeGreaterThan(0);
    expect(argv[root + 1]).toBe('/run/nestbox/crun');
    expect(argv.slice(-args.length)).toEqual(args);
    expect(argv).not.toContain('unshare');
  });

  it('wraps crun on hybrid in a private mount namespace without the unified tree', () => {
    const direct = runtimeArgv({ ...base, layout: 'v1' }, args);
    const argv = runtimeArgv({ ...base, layout: 'hybrid' }, args);
    expect(argv.slice(0, 4)).toEqual(['unshare', '--mount', '--propagation', 'private']);
    const script = argv[argv.indexOf('-c') + 1] ?? '';
    expect(script).toMatch(/umount \/sys\/fs\/cgroup\/unified/);
    expect(script).toMatch(/exec "\$@"/);
    // After the script comes $0, then exactly the direct command line as "$@".
    expect(argv.slice(-direct.length)).toEqual(direct);
    const zero = argv[argv.length - direct.length - 1];
    expect(zero).not.toBe('/usr/bin/crun');
    expect(argv[argv.length - direct.length - 2]).toBe(script);
  });
  it('runs setups in the private mount namespace first, each with its own arguments', () => {
    const setup = { script: 'mount -t tmpfs -o "$2" x "$1"', args: ['/b/root', 'size=1'] };
    const second = { script: 'touch "$1"', args: ['/b/file'] };
    const direct = runtimeArgv({ ...base, layout: 'v2' }, args);
    for (const layout of ['v2', 'hybrid'] as const) {
      const argv = runtimeArgv({ ...base, layout }, args, [setup, second]);
      expect(argv.slice(0, 4)).toEqual(['unshare', '--mount', '--propagation', 'private']);
      const script = argv[argv.indexOf('-c') + 1] ?? '';
      expect(script.includes('umount /sys/fs/cgroup/unified')).toBe(layout === 'hybrid');
      // Each setup's arguments are shifted off before the next runs, and crun gets the rest.
      expect(script).toContain(
        `${setup.script} && shift 2 && ${second.script} && shift 1 && exec "$@"`,
      );
      expect(argv.slice(-direct.length - 3)).toEqual([...setup.args, ...second.args, ...direct]);
    }
  });
});

describe('loadConfig', () => {
  it('has documented defaults, and reads only the environment it is given', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      const config = loadConfig({});
      expect(config).toMatchObject({
        host: '127.0.0.1',
        port: 3000,
        dataDir: '/var/lib/nestbox',
        runDir: '/run/nestbox',
        crunPath: 'crun',
        hostname: 'nestbox',
        maxSessions: 32,
        idBase: 1_000_000_000,
        maskProc: false,
        allowedOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
      });
      expect(config.limits).toMatchObject({
        pids: 128,
        memoryBytes: 256 * MIB,
        cpus: 1,
        tmpfsBytes: 64 * MIB,
        tmpfsInodes: 16384,
        nofile: 1024,
      });
      expect(config.limits.ioBps).toBeUndefined();
      expect(config.sessions).toMatchObject({ ttlMs: 60 * 60_000, maxTerminals: 4 });
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it('reads good values', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      NESTBOX_CPUS: '0.5',
      NESTBOX_PIDS_LIMIT: '64',
      NESTBOX_MASK_PROC: '1',
      NESTBOX_ALLOWED_ORIGINS: 'https://lab.example.org, http://localhost:8080',
    });
    expect(config.port).toBe(8080);
    expect(config.limits.cpus).toBe(0.5);
    expect(config.limits.pids).toBe(64);
    expect(config.maskProc).toBe(true);
    expect(config.allowedOrigins).toEqual(['https://lab.example.org', 'http://localhost:8080']);
    expect(loadConfig({ HOST: 'lab.example.org', PORT: '80' }).allowedOrigins).toEqual([
      'http://lab.example.org:80',
    ]);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['NESTBOX_CPUS', '0'],
    ['NESTBOX_CPUS', 'many'],
    ['NESTBOX_PIDS_LIMIT', '-1'],
    ['NESTBOX_PIDS_LIMIT', '1e999'],
    ['NESTBOX_MEMORY_MB', '1.5'],
    ['NESTBOX_ALLOWED_ORIGINS', 'foo'],
    ['NESTBOX_ALLOWED_ORIGINS', 'https://lab.example.org/path'],
    ['NESTBOX_ALLOWED_ORIGINS', 'https://lab.example.org,'],
    ['NESTBOX_MASK_PROC', 'yes'],
    ['NESTBOX_HOSTNAME', 'Not_A_Hostname'],
    ['NESTBOX_CPUSET', '3-1'],
    ['NESTBOX_SESSION_MINUTES', '0'],
  ])('rejects %s=%s with a ConfigError that names the variable', (name, value) => {
    let thrown: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain(name);
  });
});
