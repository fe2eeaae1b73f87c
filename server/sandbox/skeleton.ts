/**
 * The per-sandbox root. crun's root.path cannot itself carry an idmap, and the shared image must
 * never be written, so the root is not the image: it is a skeleton, a directory owned by the
 * range's root, holding one mount point per top-level image directory and the image's top-level
 * symlinks (merged-usr's `bin -> usr/bin`). It lives on the sandbox's writable root layer
 * (root-layer.ts), where each image directory is then overlaid with writes going to the layer
 * (spec.ts). The image's empty directories (`/opt`, `/mnt`, `/srv`) need no overlay: the
 * skeleton's own writable directory stands in for each.
 */
import { chmod, lchown, mkdir, readdir, readlink, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { IdRange } from './ids.js';

/** An image's top level: its directories and symlinks (other files are not carried over). */
export interface ImageTop {
  /** Each directory with its permission bits and whether it holds anything. */
  dirs: readonly { name: string; mode: number; empty: boolean }[];
  symlinks: readonly { name: string; target: string }[];
}

export interface SkeletonPlan {
  /** Directories to make, with their modes: every image directory and every one the spec
   *  mounts. */
  mountPoints: { name: string; mode: number }[];
  /** Image directories the sandbox sees through an overlay: all but those the spec mounts
   *  itself and the empty ones (`/opt`, `/srv`), which the skeleton's own directory stands in
   *  for, saving crun a mount or two each. */
  imageDirs: string[];
  symlinks: { name: string; target: string }[];
}

const MOUNT_POINT_MODE = 0o755;

/** What to make, given the image's top level and the directories the spec fills itself. */
export function planSkeleton(top: ImageTop, specMounted: readonly string[]): SkeletonPlan {
  const own = new Set(specMounted);
  const byName = new Map(top.dirs.map((dir) => [dir.name, dir]));
  const linkNames = new Set(top.symlinks.map((link) => link.name));
  const names = [...new Set([...byName.keys(), ...specMounted])]
    .filter((name) => !linkNames.has(name))
    .sort();
  return {
    mountPoints: names.map((name) => ({ name, mode: byName.get(name)?.mode ?? MOUNT_POINT_MODE })),
    imageDirs: [...byName.values()]
      .filter((dir) => !own.has(dir.name) && !dir.empty)
      .map((dir) => dir.name)
      .sort(),
    symlinks: [...top.symlinks].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Reads the image's top level once, at start-up (the image does not change under a server). */
export async function readImageTop(image: string): Promise<ImageTop> {
  const entries = await readdir(image, { withFileTypes: true });
  const dirs = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async (entry) => {
        const path = join(image, entry.name);
        const [info, contents] = await Promise.all([stat(path), readdir(path)]);
        return { name: entry.name, mode: info.mode & 0o7777, empty: contents.length === 0 };
      }),
  );
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
 * every entry show as root:root inside. Some sixty small syscalls (~1 ms).
 */
export async function makeSkeleton(dir: string, plan: SkeletonPlan, range: IdRange): Promise<void> {
  await mkdir(dir, { mode: 0o755 });
  await lchown(dir, range.hostId, range.hostId);
  await Promise.all([
    ...plan.mountPoints.map(async ({ name, mode }) => {
      const path = join(dir, name);
      await mkdir(path);
      await lchown(path, range.hostId, range.hostId);
      // After the chown, which would clear a setgid bit; and not through mkdir's umask.
      await chmod(path, mode);
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
 * bundles folder, each bundle, the root layer) must let others pass through; their files stay
 * 0600. Adds the
 * search bits only, so a shared directory such as /run keeps its own mode otherwise.
 */
export async function allowTraversal(dir: string): Promise<void> {
  const { mode } = await stat(dir);
  if ((mode & 0o011) !== 0o011) await chmod(dir, (mode & 0o7777) | 0o011);
}
