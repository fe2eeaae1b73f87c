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
export async function detectCgroupLayout(
  root = '/sys/fs/cgroup',
): Promise<CgroupLayout | undefined> {
  const rootType = await filesystemType(root);
  if (rootType === CGROUP2_SUPER_MAGIC) return 'v2';
  if (rootType !== TMPFS_MAGIC) return undefined;
  return (await filesystemType(`${root}/unified`)) === CGROUP2_SUPER_MAGIC ? 'hybrid' : 'v1';
}

/** The v1 controllers a sandbox's limits live in. */
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
  root = '/sys/fs/cgroup',
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
  root = '/sys/fs/cgroup',
): string {
  const controller = file.slice(0, file.indexOf('.'));
  return layout === 'v2'
    ? `${root}/${relativePath}/${file}`
    : `${root}/${controller}/${relativePath}/${file}`;
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
