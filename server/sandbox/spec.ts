/**
 * The OCI spec builder: sandbox options in, an OCI runtime `config.json` object out.
 *
 * It is pure (no I/O, no clock, no randomness) so every security-relevant decision here is
 * unit-tested without root. Each section below is one small step, in the order crun applies
 * them, in the spirit of nsjail's containProc.
 */
import { consoleMount, firstProcessArgs } from './controlling-terminal.js';
import { underInit } from './init.js';
import type { SandboxLimits } from './limits.js';
import type { OciMount, OciSpec } from './oci.js';
import { ociResources, type ResourceHost } from './resources.js';
import { compileSeccomp, type MobySeccompProfile, type SeccompArchitecture } from './seccomp.js';

/** One image directory as the sandbox sees it: the image's files, with writes kept apart. */
export interface OverlaidDir {
  /** Its name at the top of the root (`etc`). */
  dir: string;
  /** Host path of the image's directory, never written. */
  lower: string;
  /** True when `lower` belongs to host root (the shared image) and so must be idmapped; false
   *  when it already belongs to the range (a uid-shifted copy). */
  idmapped: boolean;
  /** overlayfs's upper and work directories, on the root layer (root-layer.ts). */
  upper: string;
  work: string;
}

/** The root as crun sees it when it starts, with the root layer mounted (root-layer.ts). */
export interface RootLayout {
  /** Host path of the writable skeleton root on the root layer (skeleton.ts). */
  rootfs: string;
  overlays: readonly OverlaidDir[];
}

export interface SpecInput {
  root: RootLayout;
  hostname: string;
  /** The sandbox's command, run under its init (init.ts), which is pid 1. */
  args: readonly string[];
  /** Start the command again when a signal kills it (init.ts): for a learner's login shell. */
  respawn: boolean;
  /** When the process's stdio is a pty handed over by nestbox-console: where bindConsole binds
   *  it, to be the process's controlling terminal (controlling-terminal.ts). Unset for plain
   *  inherited stdio. */
  console?: string;
  /** Container root maps to host uid/gid `hostId`, and the next `size - 1` ids follow it. */
  idRange: { hostId: number; size: number };
  /** Relative cgroup path, so every sandbox lands under one parent cgroup. */
  cgroupsPath: string;
  limits: SandboxLimits;
  /** What the host's cgroups offer: layout, swap accounting, the image's disk. */
  cgroups: ResourceHost;
  /** Mask Docker's sensitive /proc paths. Off by default: see design.md §4 "/proc masks". */
  maskProc: boolean;
  /** Moby's profile and this host's architecture; resolved here against CAPABILITIES. */
  seccomp: { profile: MobySeccompProfile; architecture: SeccompArchitecture };
}

/** Docker's default capability set plus CAP_SYS_ADMIN, which is only ever effective inside the
 *  sandbox's own user namespace and is what `unshare` and `mount -t proc` need in the lessons. */
export const CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SYS_CHROOT',
  'CAP_MKNOD',
  'CAP_AUDIT_WRITE',
  'CAP_SETFCAP',
  'CAP_SYS_ADMIN',
] as const;

/** Docker's masked /proc paths, applied only when `maskProc` is set. */
const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
/** Top-level directories the spec mounts a filesystem of its own on: the image's are unused. */
export const OWN_TOP_LEVEL_MOUNTS = ['dev', 'proc', 'root', 'run', 'sys', 'tmp'] as const;

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The environment is built from nothing: no variable of the server's ever reaches a learner. */
export function sandboxEnvironment(hostname: string): string[] {
  return [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'TERM=xterm-256color',
    'HOME=/root',
    'LANG=C.UTF-8',
    `HOSTNAME=${hostname}`,
  ];
}

function writableTmpfs(destination: string, limits: SandboxLimits, mode: string): OciMount {
  return {
    destination,
    type: 'tmpfs',
    source: 'tmpfs',
    options: [
      'nosuid',
      'nodev',
      `mode=${mode}`,
      `size=${limits.tmpfsBytes}`,
      `nr_inodes=${limits.tmpfsInodes}`,
    ],
  };
}

/**
 * An image directory, overlaid with writes going to the sandbox's root layer. crun makes the
 * overlay inside the user namespace (overlayfs allows that since Linux 5.11), so the range's
 * root is its mounter and its copy-ups are the range's files. A shared image is first
 * bind-mounted read-only with an idmap, so that its files show as root's rather than nobody's,
 * and overlaid where it lies: crun mounts before it pivots into the root, so the kernel reads
 * `lowerdir`, the host path of the root's directory, in crun's mount namespace, where the
 * idmapped mount now covers it. (On Linux 5.19+: overlayfs on idmapped layers.)
 */
function overlaidDir(root: RootLayout, dir: OverlaidDir): OciMount[] {
  const destination = `/${dir.dir}`;
  const lowerdir = dir.idmapped ? `${root.rootfs}${destination}` : dir.lower;
  const overlay: OciMount = {
    destination,
    type: 'overlay',
    source: 'overlay',
    options: [
      `lowerdir=${lowerdir}`,
      `upperdir=${dir.upper}`,
      `workdir=${dir.work}`,
      'nosuid',
      'nodev',
    ],
  };
  if (!dir.idmapped) return [overlay];
  const image: OciMount = {
    destination,
    type: 'bind',
    source: dir.lower,
    options: ['rbind', 'ro', 'nosuid', 'nodev', 'idmap'],
  };
  return [image, overlay];
}

function mounts(input: SpecInput): OciMount[] {
  const kernelFilesystems: OciMount[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=65536k', 'nr_inodes=1024'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: [
        'nosuid',
        'noexec',
        'nodev',
        'mode=1777',
        `size=${input.limits.tmpfsBytes}`,
        `nr_inodes=${input.limits.tmpfsInodes}`,
      ],
    },
    {
      destination: '/dev/mqueue',
      type: 'mqueue',
      source: 'mqueue',
      options: ['nosuid', 'noexec', 'nodev'],
    },
    {
      destination: '/sys',
      type: 'sysfs',
      source: 'sysfs',
      options: ['nosuid', 'noexec', 'nodev', 'ro'],
    },
    // Read-write so that the learner can make child cgroups (design.md §4 "Delegation"). In a
    // cgroup namespace it shows only the sandbox's own cgroup, and only what was delegated to
    // its root is writable: its limits stay owned by host root.
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'],
    },
  ];
  const scratch = [
    writableTmpfs('/root', input.limits, '700'),
    writableTmpfs('/tmp', input.limits, '1777'),
    writableTmpfs('/run', input.limits, '755'),
  ];
  return [
    ...kernelFilesystems,
    ...(input.console === undefined ? [] : [consoleMount(input.console)]),
    ...input.root.overlays.flatMap((dir) => overlaidDir(input.root, dir)),
    ...scratch,
  ];
}

/** The first process's argv: `argv`, having first taken the console when there is one. */
function withConsole(input: SpecInput, argv: string[]): string[] {
  return input.console === undefined ? argv : firstProcessArgs(argv);
}

export function buildSpec(input: SpecInput): OciSpec {
  const { limits } = input;
  const idMapping = [{ containerID: 0, hostID: input.idRange.hostId, size: input.idRange.size }];
  return {
    ociVersion: '1.0.2',
    process: {
      // crun's own console (terminal: true) would need a relay between its pty and node-pty's;
      // the sandbox takes node-pty's pty instead (controlling-terminal.ts).
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: withConsole(input, underInit(input.args, { respawn: input.respawn })),
      env: sandboxEnvironment(input.hostname),
      cwd: '/root',
      capabilities: {
        bounding: [...CAPABILITIES],
        effective: [...CAPABILITIES],
        permitted: [...CAPABILITIES],
      },
      rlimits: [
        { type: 'RLIMIT_NOFILE', hard: limits.nofile, soft: limits.nofile },
        { type: 'RLIMIT_CORE', hard: 0, soft: 0 },
      ],
      noNewPrivileges: true,
    },
    // Writable: the root layer's tmpfs, bounded, nosuid and nodev (root-layer.ts).
    root: { path: input.root.rootfs, readonly: false },
    hostname: input.hostname,
    mounts: mounts(input),
    linux: {
      uidMappings: idMapping,
      gidMappings: idMapping,
      namespaces: ['user', 'pid', 'mount', 'uts', 'ipc', 'network', 'cgroup'].map((type) => ({
        type,
      })),
      cgroupsPath: input.cgroupsPath,
      resources: ociResources(limits, input.cgroups),
      seccomp: compileSeccomp(input.seccomp.profile, CAPABILITIES, input.seccomp.architecture),
      maskedPaths: input.maskProc ? MASKED_PATHS : [],
      readonlyPaths: input.maskProc ? READONLY_PATHS : [],
    },
  };
}
