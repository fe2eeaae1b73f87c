import { statfs } from 'node:fs/promises';

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
export async function detectCgroupLayout(root = '/sys/fs/cgroup'): Promise<CgroupLayout | undefined> {
  const rootType = await filesystemType(root);
  if (rootType === CGROUP2_SUPER_MAGIC) return 'v2';
  if (rootType !== TMPFS_MAGIC) return undefined;
  return (await filesystemType(`${root}/unified`)) === CGROUP2_SUPER_MAGIC ? 'hybrid' : 'v1';
}
