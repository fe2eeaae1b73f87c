/**
 * The per-sandbox root for idmap mode. crun's root.path cannot itself carry an idmap, so a root
 * at the shared image would show `/` (and anything on it not mounted again) as owned by
 * `nobody`: host root is unmapped in the sandbox. Instead each sandbox gets a skeleton in its
 * bundle: a directory owned by its range's root, holding one empty mount point per top-level
 * image directory and the image's top-level symlinks (merged-usr's `bin -> usr/bin`). Every
 * image directory is then bind-mounted onto it with an idmap (spec.ts), read-only. The skeleton
 * is removed with the bundle; its mounts live only in the sandbox's mount namespace.
 */
import { chmod, lchown, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdRange } from './ids.js';

/** An image's top level: its directories and symlinks (other files are not carried over). */
export interface ImageTop {
  dirs: readonly string[];
  symlinks: readonly { name: string; target: string }[];
}

export interface SkeletonPlan {
  /** Empty directories to make: every image directory and every directory the spec mounts. */
  mountPoints: string[];
  /** Image directories to bind-mount with an idmap: all but those the spec mounts itself. */
  idmappedDirs: string[];
  symlinks: { name: string; target: string }[];
}

/** What to make, given the image's top level and the directories the spec fills itself. */
export function planSkeleton(top: ImageTop, specMounted: readonly string[]): SkeletonPlan {
  const own = new Set(specMounted);
  const dirs = [...new Set(top.dirs)].sort();
  const linkNames = new Set(top.symlinks.map((link) => link.name));
  return {
    mountPoints: [...new Set([...dirs, ...specMounted])].filter((d) => !linkNames.has(d)).sort(),
    idmappedDirs: dirs.filter((dir) => !own.has(dir)),
    symlinks: [...top.symlinks].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Reads the image's top level once, at start-up (the image does not change under a server). */
export async function readImageTop(image: string): Promise<ImageTop> {
  const entries = await readdir(image, { withFileTypes: true });
  const dirs = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  const symlinks = await Promise.all(
    entries
      .filter((entry) => entry.isSymbolicLink())
      .map(async (entry) => ({
        name: entry.name,
        target: await readlink(join(image, entry.name)),
      })),
  );
  return { dirs, symlinks };
}

/**
 * Makes the skeleton at `dir` (which must not exist), owned by `range`'s root so that `/` and
 * every entry show as root:root inside. About twenty small syscalls on the run directory.
 */
export async function makeSkeleton(dir: string, plan: SkeletonPlan, range: IdRange): Promise<void> {
  await mkdir(dir, { mode: 0o755 });
  await lchown(dir, range.hostId, range.hostId);
  await Promise.all([
    ...plan.mountPoints.map(async (name) => {
      const path = join(dir, name);
      await mkdir(path, { mode: 0o755 });
      await lchown(path, range.hostId, range.hostId);
    }),
    ...plan.symlinks.map(async ({ name, target }) => {
      const path = join(dir, name);
      await symlink(target, path);
      await lchown(path, range.hostId, range.hostId);
    }),
  ]);
}

/** Search (x) permission for everyone, nothing else: no listing, no reading. */
export const TRAVERSE_ONLY = 0o711;

/**
 * crun mounts the root from inside the user namespace, as the range's root, to which host root's
 * 0700 directories are closed. So every directory above a skeleton (the run directory, the
 * bundles folder, each bundle) must let others pass through; their files stay 0600. Adds the
 * search bits only, so a shared directory such as /run keeps its own mode otherwise.
 */
export async function allowTraversal(dir: string): Promise<void> {
  const { mode } = await stat(dir);
  if ((mode & 0o011) !== 0o011) await chmod(dir, (mode & 0o7777) | 0o011);
}
