import { readFile, statfs } from 'node:fs/promises';

/**
 * How the host mounts cgroups. It decides how crun must be invoked (see runtime.ts) and which
 * files carry the limits.
 * - `v2`: one unified hierarchy at /sys/fs/cgroup (most current hosts).
 * - `hybrid`: v1 controllers under /sys/fs/cgroup/<controller> plus a v2 tree at
 *   /sys/fs/cgroup/unified that holds no controllers (Debian 10/11-era systemd, this CI).
 * - `v1`: v1 controllers only.
 */
export type CgroupLayout = 'v2' | 'hybrid' | 'v1';

export const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP2_SUPER_MAGIC = 0x63677270;
const TMPFS_MAGIC = 0x01021994;

async function filesystemType(path: string): Promise<number | undefined> {
  try {
    return (await statfs(path)).type;
  } catch {
    return undefined;
  }
}

/** Returns the layout, or undefined when this machine has no usable cgroup mount at all. */
export async function detectCgroupLayout(root = CGROUP_ROOT): Promise<CgroupLayout | undefined> {
  const rootType = await filesystemType(root);
  if (rootType === CGROUP2_SUPER_MAGIC) return 'v2';
  if (rootType !== TMPFS_MAGIC) return undefined;
  return (await filesystemType(`${root}/unified`)) === CGROUP2_SUPER_MAGIC ? 'hybrid' : 'v1';
}

/** The v1 controllers a sandbox's limits and stats live in. */
export const V1_CONTROLLERS = [
  'pids',
  'memory',
  'cpu',
  'cpuacct',
  'cpuset',
  'blkio',
  'devices',
  'freezer',
] as const;

/**
 * Host directories of the cgroup at `relativePath` (as given to crun's cgroupsPath): one per
 * controller on v1 and hybrid, one in total on v2.
 */
export function cgroupDirs(
  layout: CgroupLayout,
  relativePath: string,
  root = CGROUP_ROOT,
): Record<string, string> {
  if (layout === 'v2') return { unified: `${root}/${relativePath}` };
  return Object.fromEntries(
    V1_CONTROLLERS.map((controller) => [controller, `${root}/${controller}/${relativePath}`]),
  );
}

/** Where a controller's file for this cgroup lives, e.g. pids.max. */
export function cgroupFile(
  layout: CgroupLayout,
  relativePath: string,
  file: string,
  root = CGROUP_ROOT,
): string {
  const controller = file.slice(0, file.indexOf('.'));
  return layout === 'v2'
    ? `${root}/${relativePath}/${file}`
    : `${root}/${controller}/${relativePath}/${file}`;
}

/**
 * Mount points of the v1 hierarchies under `root`, from /proc/self/mountinfo. crun puts a
 * sandbox's cgroup in every one of them (named ones such as name=systemd included), so teardown
 * and delegation must visit each; co-mounted controllers (cpu,cpuacct) are one hierarchy.
 */
export function parseV1Hierarchies(mountinfo: string, root = CGROUP_ROOT): string[] {
  const mountPoints: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [mountFields, fsFields] = line.split(' - ');
    const mountPoint = mountFields?.split(' ')[4];
    const fsType = fsFields?.split(' ')[0];
    if (fsType === 'cgroup' && mountPoint?.startsWith(`${root}/`)) mountPoints.push(mountPoint);
  }
  return mountPoints;
}

/** Every hierarchy a sandbox's cgroup has a directory in: the mount points on v1, the root on v2. */
export async function cgroupHierarchies(layout: CgroupLayout): Promise<string[]> {
  if (layout === 'v2') return [CGROUP_ROOT];
  return parseV1Hierarchies(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** Controllers the host can use: cgroup.controllers on v2, enabled ones in /proc/cgroups on v1. */
export function parseControllers(layout: CgroupLayout, text: string): string[] {
  if (layout === 'v2') return text.trim().split(/\s+/).filter(Boolean);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields[3] === '1' && fields[1] !== '0')
    .map((fields) => fields[0] ?? '');
}

export async function availableControllers(layout: CgroupLayout): Promise<string[]> {
  const file = layout === 'v2' ? `${CGROUP_ROOT}/cgroup.controllers` : '/proc/cgroups';
  return parseControllers(layout, await readFile(file, 'utf8').catch(() => ''));
}

/**
 * Waits until no task is left in the cgroup (pids.current counts the whole subtree), so that a
 * destroyed sandbox's uid range is never handed out while its processes are still dying.
 * Resolves false if tasks remain after `timeoutMs`.
 */
export async function waitUntilEmpty(
  layout: CgroupLayout,
  relativePath: string,
  timeoutMs = 5000,
): Promise<boolean> {
  const file = cgroupFile(layout, relativePath, 'pids.current');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let current: number;
    try {
      current = Number((await readFile(file, 'utf8')).trim());
    } catch {
      return true; // The cgroup is gone, so it is empty.
    }
    if (current === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
