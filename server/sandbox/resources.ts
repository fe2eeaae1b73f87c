/**
 * Pure mapping of limits to cgroup settings, per layout:
 * - a sandbox's limits become OCI `linux.resources`, which crun writes to the files of the
 *   host's layout (v2: pids.max, memory.max + memory.swap.max, cpu.max, cpu.weight, cpuset.cpus,
 *   io.max; v1: pids.max, memory.limit_in_bytes + memory.memsw.limit_in_bytes, cpu.cfs_quota_us
 *   + cpu.cfs_period_us, cpu.shares, cpuset.cpus, blkio.throttle.*);
 * - the parent cgroup's totals are files Nestbox writes itself (see parent-cgroup.ts).
 */
import type { CgroupLayout } from './cgroups.js';
import type { SandboxLimits } from './limits.js';
import type { OciResources } from './oci.js';

/** The CFS period; quotas are expressed against it. 100 ms is the kernel's default. */
export const CPU_PERIOD_MICROSECONDS = 100_000;
/** The kernel rejects quotas under 1 ms. */
const MIN_CPU_QUOTA_MICROSECONDS = 1000;

/** What the host offers that the mapping depends on. */
export interface ResourceHost {
  layout: CgroupLayout;
  /** Whether the kernel accounts swap (v1: memory.memsw.* exists; v2: memory.swap.max). Without
   *  it, crun cannot apply a memory + swap limit and must not be asked to. */
  swapAccounting: boolean;
  /** The whole disk that holds the image: the device `ioBps` throttles. */
  ioDevice?: { major: number; minor: number };
}

export function cpuQuotaMicroseconds(cpus: number): number {
  return Math.max(MIN_CPU_QUOTA_MICROSECONDS, Math.round(cpus * CPU_PERIOD_MICROSECONDS));
}

/**
 * v1 cpu.shares with the same scheduler weight as a v2 cpu.weight: the kernel scales weight 100
 * to 1024 (its nice-0 load), so that is the factor. (crun's own shares-to-weight formula maps
 * 1024 to 39, which is why v2 gets cpu.weight directly instead.)
 */
export function cpuWeightToShares(weight: number): number {
  return Math.min(262_144, Math.max(2, Math.round((weight * 1024) / 100)));
}

export function ociResources(limits: SandboxLimits, host: ResourceHost): OciResources {
  const resources: OciResources = {
    devices: [{ allow: false, access: 'rwm' }],
    pids: { limit: limits.pids },
    memory: host.swapAccounting
      ? { limit: limits.memoryBytes, swap: limits.memoryBytes }
      : { limit: limits.memoryBytes },
    cpu: {
      quota: cpuQuotaMicroseconds(limits.cpus),
      period: CPU_PERIOD_MICROSECONDS,
      ...(host.layout === 'v2' ? {} : { shares: cpuWeightToShares(limits.cpuWeight) }),
      ...(limits.cpuset === '' ? {} : { cpus: limits.cpuset }),
    },
  };
  if (host.layout === 'v2') resources.unified = { 'cpu.weight': String(limits.cpuWeight) };
  if (limits.ioBps !== undefined && host.ioDevice) {
    const throttle = [{ ...host.ioDevice, rate: limits.ioBps }];
    resources.blockIO = { throttleReadBpsDevice: throttle, throttleWriteBpsDevice: throttle };
  }
  return resources;
}

/** Caps on all sandboxes together, set on the parent cgroup. Undefined means no cap. */
export interface CgroupTotals {
  memoryBytes?: number;
  pids?: number;
  cpus?: number;
}

/** One cgroup file to write. `controller` is a v1 hierarchy name, or 'unified' on v2 (the keys
 *  of cgroupDirs). */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
}

/**
 * The files that give the parent cgroup its totals, in the order they must be written. Unset
 * totals are written as "no limit" too: the parent outlives the server, so a cap removed from
 * the configuration must also be removed from the kernel.
 */
export function totalsWrites(layout: CgroupLayout, totals: CgroupTotals): CgroupWrite[] {
  const quota = totals.cpus === undefined ? undefined : cpuQuotaMicroseconds(totals.cpus);
  if (layout === 'v2') {
    return [
      { controller: 'unified', file: 'pids.max', value: String(totals.pids ?? 'max') },
      { controller: 'unified', file: 'memory.max', value: String(totals.memoryBytes ?? 'max') },
      {
        controller: 'unified',
        file: 'cpu.max',
        value: `${quota ?? 'max'} ${CPU_PERIOD_MICROSECONDS}`,
      },
    ];
  }
  return [
    { controller: 'pids', file: 'pids.max', value: String(totals.pids ?? 'max') },
    {
      controller: 'memory',
      file: 'memory.limit_in_bytes',
      value: String(totals.memoryBytes ?? -1),
    },
    // The period first: the kernel checks the quota against the period in place.
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CPU_PERIOD_MICROSECONDS) },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(quota ?? -1) },
  ];
}

/** Controllers a v2 parent must enable for its children, given what the host has. */
export const V2_SUBTREE_CONTROLLERS = ['cpu', 'cpuset', 'io', 'memory', 'pids'] as const;

/** The line to write to cgroup.subtree_control: every wanted controller the host offers. */
export function subtreeControlLine(available: readonly string[]): string {
  return V2_SUBTREE_CONTROLLERS.filter((name) => available.includes(name))
    .map((name) => `+${name}`)
    .join(' ');
}

/** Controllers the configured limits cannot do without, by the names of the host's layout. */
export function requiredControllers(
  layout: CgroupLayout,
  limits: SandboxLimits,
  pinCpus: boolean,
): string[] {
  const needed = ['pids', 'memory', 'cpu'];
  if (layout !== 'v2') needed.push('cpuacct'); // CPU usage for stats lives there on v1
  if (limits.cpuset !== '' || pinCpus) needed.push('cpuset');
  if (limits.ioBps !== undefined) needed.push(layout === 'v2' ? 'io' : 'blkio');
  return needed;
}
