/**
 * The sandbox module's public face: open a host, create sandboxes, run their shell (via the
 * argv this returns), exec commands in them, read their usage, and destroy them. It knows Linux,
 * crun and cgroups, and nothing of WebSockets, ptys, Next or scenarios (design.md §3).
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { diskOf } from './block-device.js';
import { startBusyDemotion } from './busy-demotion.js';
import {
  availableControllers,
  CGROUP_ROOT,
  cgroupHierarchies,
  detectCgroupLayout,
  type CgroupLayout,
} from './cgroups.js';
import { SandboxError } from './errors.js';
import { findExecutable } from './executables.js';
import { IdRangeAllocator } from './ids.js';
import { imageStatus } from './image.js';
import type { SandboxLimits } from './limits.js';
import { prepareParentCgroup, requireCpuIdle } from './parent-cgroup.js';
import { checkControllers, checkRuntime, checkUserNamespaces } from './preflight.js';
import { reapLeftovers } from './reaper.js';
import type { RuntimeConfig } from './runtime.js';
import { consolePath } from './console-path.js';
import { CpuPlacement, parentCpus } from './cpu-placement.js';
import {
  idmapRootfs,
  probeIdmappedMounts,
  shiftedRootfs,
  type RootfsMode,
  type RootfsProvider,
} from './rootfs.js';
import { requireOverlayPath } from './root-layer.js';
import { requiredControllers, type CgroupTotals, type ResourceHost } from './resources.js';
import { createSandbox, CONTAINER_PREFIX, type Sandbox, type SandboxOptions } from './sandbox.js';
import { loadMobyProfile, SECCOMP_ARCHITECTURES } from './seccomp.js';
import { allowTraversal, planSkeleton, readImageTop } from './skeleton.js';
import { OWN_TOP_LEVEL_MOUNTS } from './spec.js';

export { SandboxError, type SandboxErrorCode } from './errors.js';
export { parseCpuList, tightenLimits, type SandboxLimits } from './limits.js';
export type { CgroupTotals } from './resources.js';
export type { SandboxStats } from './stats.js';
export type { ExecResult } from './exec.js';
export type { CommandLine, ExecOptions, Sandbox, SandboxOptions } from './sandbox.js';
export { cgroupDirs, cgroupFile, type CgroupLayout } from './cgroups.js';
export type { IdRange } from './ids.js';
export type { RootfsMode } from './rootfs.js';

export interface SandboxHostConfig {
  /** Holds the cached image (see image.ts). */
  dataDir: string;
  /** Holds bundles and crun's state; a tmpfs such as /run is ideal. One per
   *  server: start-up reaps everything in it. */
  runDir: string;
  crunPath: string;
  hostname: string;
  /** Every sandbox's limits; SandboxOptions.limits may only tighten them. */
  limits: SandboxLimits;
  /** Pin each sandbox to ceil(limits.cpus) CPUs of its cpuset, the least used (cpu-placement.ts). */
  pinCpus: boolean;
  /** Mark the parent cgroup cpu.idle: sandboxes yield to everything else on the host. */
  cpuIdle: boolean;
  /** Mark busy sandboxes cpu.idle among sandboxes, so quiet ones run first (busy-demotion.ts). */
  demoteBusy: boolean;
  /** Hears of trouble that does not stop a sandbox: a demotion the kernel refused. */
  onWarning?: (message: string) => void;
  /** Caps on all sandboxes together, set on the parent cgroup. None when absent. */
  totals?: CgroupTotals;
  /** The parent cgroup, relative to the cgroup root. Default `nestbox`. */
  cgroupParent?: string;
  /** First host uid of the id ranges handed to sandboxes. */
  idBase: number;
  /** Most sandboxes alive at once; also the number of id ranges reserved. */
  maxSandboxes: number;
  maskProc: boolean;
  /** How container root comes to own the image (rootfs.ts): `auto` probes idmapped mounts. */
  rootfsMode: RootfsMode;
  /** For the `shifted` mode: idle uid-shifted image copies kept for reuse. */
  shiftedKeep: number;
}

export interface SandboxHost {
  readonly layout: CgroupLayout;
  /** The rootfs mode in use, and why idmapped mounts were not, when `auto` fell back. */
  readonly rootfs: { mode: 'idmap' | 'shifted'; fallbackReason?: string };
  /** Ids of sandboxes a previous run left behind, which start-up tore down. */
  readonly reaped: readonly string[];
  create(options: SandboxOptions): Promise<Sandbox>;
  /** Stops marking busy sandboxes, and destroys every sandbox this host created and has not
   *  destroyed yet. */
  dispose(): Promise<void>;
}

const DEFAULT_PARENT_CGROUP = 'nestbox';
const ID_RANGE_SIZE = 65536;

async function requireLayout(): Promise<CgroupLayout> {
  const layout = await detectCgroupLayout();
  if (layout) return layout;
  throw new SandboxError(
    'cgroups-unsupported',
    'No cgroup filesystem is mounted at /sys/fs/cgroup, so limits cannot be enforced. ' +
      'Run Nestbox on a Linux host with cgroups (any systemd host has them).',
  );
}

async function requireConsoleHelper(): Promise<string> {
  const helper = consolePath();
  if (await findExecutable(helper)) return helper;
  throw new SandboxError(
    'console-missing',
    `The console helper ${helper} is not built. Install a C compiler (apt-get install -y gcc) ` +
      'and run: npm run build:console',
  );
}

async function requireImage(dataDir: string): Promise<{ rootfs: string; stamp: string }> {
  const image = await imageStatus(dataDir);
  if (image.ready) return { rootfs: image.rootfs, stamp: image.builtAt ?? '' };
  throw new SandboxError(
    'image-missing',
    `The sandbox image is not ready (${image.reason ?? 'unknown'}). Build it with: npx nestbox image build`,
  );
}

async function requireDisk(rootfs: string): Promise<ResourceHost['ioDevice']> {
  const disk = await diskOf(rootfs);
  if (disk) return disk;
  throw new SandboxError(
    'invalid-limits',
    `NESTBOX_IO_MBPS is set, but the image at ${rootfs} is not on a block device, so there is ` +
      'no disk to throttle. Unset NESTBOX_IO_MBPS, or keep NESTBOX_DATA_DIR on a real disk.',
  );
}

/** Whether crun may be given a memory + swap limit: only where the kernel accounts swap. */
async function hasSwapAccounting(layout: CgroupLayout, parent: string): Promise<boolean> {
  const probe =
    layout === 'v2'
      ? `${CGROUP_ROOT}/${parent}/memory.swap.max`
      : `${CGROUP_ROOT}/memory/memory.memsw.limit_in_bytes`;
  return access(probe).then(
    () => true,
    () => false,
  );
}

/**
 * Picks the rootfs provider once, at start-up. `auto` and `idmap` run the probe container in a
 * range borrowed from the allocator (no sandbox exists yet); a forced `idmap` that fails is an
 * error, an `auto` one falls back to `shifted`.
 */
async function chooseRootfs(
  config: SandboxHostConfig,
  host: {
    runtime: RuntimeConfig;
    rootfs: string;
    imageStamp: string;
    bundlesDir: string;
    parent: string;
    ids: IdRangeAllocator;
  },
): Promise<{ provider: RootfsProvider; fallbackReason?: string }> {
  let fallbackReason: string | undefined;
  if (config.rootfsMode !== 'shifted') {
    const range = host.ids.allocate();
    if (!range) throw new SandboxError('capacity', 'No uid range is free for the idmap probe.');
    try {
      fallbackReason = await probeIdmappedMounts({ ...host, prefix: CONTAINER_PREFIX, range });
    } finally {
      host.ids.release(range);
    }
    if (fallbackReason === undefined) return { provider: idmapRootfs(host.rootfs) };
    if (config.rootfsMode === 'idmap') {
      throw new SandboxError(
        'idmap-unsupported',
        `NESTBOX_ROOTFS_MODE=idmap, but idmapped mounts do not work here (${fallbackReason}). ` +
          'Overlays on them need Linux 5.19+ and a filesystem that supports them under NESTBOX_DATA_DIR ' +
          '(ext4, xfs, btrfs). Set NESTBOX_ROOTFS_MODE=auto or shifted to use uid-shifted copies.',
      );
    }
  }
  const validHostIds = new Set(
    Array.from({ length: config.maxSandboxes }, (_, slot) => config.idBase + slot * ID_RANGE_SIZE),
  );
  const provider = await shiftedRootfs({
    image: host.rootfs,
    imageStamp: host.imageStamp,
    cacheDir: join(config.dataDir, 'shifted-rootfs', host.parent.replaceAll('/', '_')),
    keep: config.shiftedKeep,
    validHostIds,
  });
  return { provider, ...(fallbackReason === undefined ? {} : { fallbackReason }) };
}

/**
 * Checks everything a sandbox needs, one step at a time, reaps what a previous run left, sets up
 * the parent cgroup, and returns a host. Each failing step throws a SandboxError saying how to
 * fix it.
 */
export async function openSandboxHost(config: SandboxHostConfig): Promise<SandboxHost> {
  const layout = await requireLayout();
  const crunPath = await checkRuntime(config.crunPath);
  const consoleHelper = await requireConsoleHelper();
  await checkUserNamespaces();
  const image = await requireImage(config.dataDir);
  const rootfs = image.rootfs;
  const architecture = SECCOMP_ARCHITECTURES[process.arch];
  if (!architecture) {
    throw new SandboxError('start-failed', `Unsupported CPU architecture ${process.arch}.`);
  }
  checkControllers(
    layout,
    await availableControllers(layout),
    requiredControllers(layout, config.limits, config.pinCpus),
  );
  const ioDevice = config.limits.ioBps === undefined ? undefined : await requireDisk(rootfs);

  requireOverlayPath(config.runDir, 'NESTBOX_RUN_DIR');
  requireOverlayPath(config.dataDir, 'NESTBOX_DATA_DIR');
  const runtime = { crunPath, stateDir: join(config.runDir, 'crun'), layout };
  await mkdir(runtime.stateDir, { recursive: true, mode: 0o700 });
  const hierarchies = await cgroupHierarchies(layout);
  const parent = config.cgroupParent ?? DEFAULT_PARENT_CGROUP;
  const bundlesDir = join(config.runDir, 'bundles');
  const teardown = { runtime, layout, hierarchies };
  const reaped = await reapLeftovers(teardown, bundlesDir, parent, CONTAINER_PREFIX);
  await allowTraversal(config.runDir);
  await prepareParentCgroup(layout, hierarchies, parent, config.totals ?? {}, config.cpuIdle);
  if (config.demoteBusy) requireCpuIdle(layout, parent);

  const ids = new IdRangeAllocator(config.idBase, ID_RANGE_SIZE, config.maxSandboxes);
  const root = await chooseRootfs(config, {
    runtime,
    rootfs,
    imageStamp: image.stamp,
    bundlesDir,
    parent,
    ids,
  });
  const live = new Set<Sandbox>();
  const context = {
    ...teardown,
    console: consoleHelper,
    rootfs: root.provider,
    skeleton: planSkeleton(await readImageTop(rootfs), OWN_TOP_LEVEL_MOUNTS),
    bundlesDir,
    parent,
    hostname: config.hostname,
    limits: config.limits,
    maskProc: config.maskProc,
    resourceHost: {
      layout,
      swapAccounting: await hasSwapAccounting(layout, parent),
      ...(ioDevice ? { ioDevice } : {}),
    },
    seccomp: { profile: await loadMobyProfile(), architecture },
    ids,
    maxSandboxes: config.maxSandboxes,
    live,
    ...(config.pinCpus ? { cpus: new CpuPlacement(await parentCpus(layout, parent)) } : {}),
  };
  const demotion = config.demoteBusy
    ? startBusyDemotion(layout, live, (error, demoting) => {
        config.onWarning?.(
          demoting
            ? `A busy sandbox could not be marked to yield its CPU: ${error.message}`
            : `A sandbox could not be given its CPU share back: ${error.message}`,
        );
      })
    : undefined;
  return {
    layout,
    rootfs: {
      mode: root.provider.mode,
      ...(root.fallbackReason === undefined ? {} : { fallbackReason: root.fallbackReason }),
    },
    reaped,
    create: (options) => createSandbox(context, options),
    async dispose() {
      await demotion?.stop();
      await Promise.allSettled([...live].map((sandbox) => sandbox.destroy()));
    },
  };
}
