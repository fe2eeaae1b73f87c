/**
 * The sandbox's writable root. The image stays shared and read-only; each sandbox writes to a
 * layer of its own: one tmpfs, bounded in size and inodes like the other writable tmpfs, holding
 * - `rootfs`: the skeleton root (skeleton.ts), so `/` itself takes new entries (`mkdir /data`);
 * - `upper/<dir>` and `work/<dir>`: overlayfs's upper and work directories for each image
 *   directory (etc, usr, var), which the spec overlays on the image's (spec.ts), so that
 *   `/etc/hosts` or `/usr/local/bin` take writes too, copied up into the layer.
 *
 * The tmpfs is mounted in crun's private mount namespace just before crun starts (runtime.ts
 * PrivateSetup) and filled from a template in the bundle. The host never sees it, and it goes
 * with the sandbox's last process, so neither teardown nor the start-up reaper has a mount to
 * remove, and a crashed server leaves none behind.
 */
import { lchown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SandboxError } from './errors.js';
import type { IdRange } from './ids.js';
import type { SandboxLimits } from './limits.js';
import type { ImageLower } from './rootfs.js';
import type { PrivateSetup } from './runtime.js';
import { makeSkeleton, TRAVERSE_ONLY, type SkeletonPlan } from './skeleton.js';
import type { RootLayout } from './spec.js';

export interface RootLayerPaths {
  /** Where the layer's tmpfs is mounted: an empty directory in the bundle, as the host sees it. */
  mountPoint: string;
  /** The directories the tmpfs starts with, made on the host beside it. */
  template: string;
}

export function rootLayerPaths(bundle: string): RootLayerPaths {
  return { mountPoint: join(bundle, 'root'), template: join(bundle, 'root-template') };
}

/** Only the container's root may use its upper and work directories; overlayfs needs no more. */
const PRIVATE_MODE = 0o700;

/**
 * Makes the template and the empty mount point. The upper directory of each image directory
 * has that directory's mode, since an overlay's root shows its upper directory's attributes.
 * About forty small syscalls on the run directory.
 */
export async function makeRootLayerTemplate(
  paths: RootLayerPaths,
  plan: SkeletonPlan,
  range: IdRange,
): Promise<void> {
  await Promise.all([
    mkdir(paths.mountPoint, { mode: TRAVERSE_ONLY }),
    mkdir(paths.template, { mode: TRAVERSE_ONLY }),
  ]);
  const modes = new Map(plan.mountPoints.map(({ name, mode }) => [name, mode]));
  const owned = async (path: string, mode: number): Promise<void> => {
    await mkdir(path, { mode });
    await lchown(path, range.hostId, range.hostId);
  };
  await Promise.all([
    makeSkeleton(join(paths.template, 'rootfs'), plan, range),
    owned(join(paths.template, 'upper'), PRIVATE_MODE),
    owned(join(paths.template, 'work'), PRIVATE_MODE),
  ]);
  await Promise.all(
    plan.imageDirs.flatMap((dir) => [
      owned(join(paths.template, 'upper', dir), modes.get(dir) ?? PRIVATE_MODE),
      owned(join(paths.template, 'work', dir), PRIVATE_MODE),
    ]),
  );
}

/** Where everything is as crun sees it, with the layer mounted: for the spec. */
export function rootLayout(
  paths: RootLayerPaths,
  imageDirs: readonly string[],
  lower: ImageLower,
): RootLayout {
  const inLayer = (...parts: string[]): string => join(paths.mountPoint, ...parts);
  return {
    rootfs: inLayer('rootfs'),
    overlays: imageDirs.map((dir) => ({
      dir,
      lower: join(lower.path, dir),
      idmapped: lower.idmapped,
      upper: inLayer('upper', dir),
      work: inLayer('work', dir),
    })),
  };
}

/**
 * The mount of the layer's tmpfs and its filling, for crun's private mount namespace. nosuid and
 * nodev, and owned by host root with search permission only: the sandbox sees the `rootfs`
 * inside it as `/`, and nothing above.
 */
export function mountRootLayer(paths: RootLayerPaths, limits: SandboxLimits): PrivateSetup {
  const options = [
    'nosuid',
    'nodev',
    `mode=${TRAVERSE_ONLY.toString(8)}`,
    `size=${limits.tmpfsBytes}`,
    `nr_inodes=${limits.tmpfsInodes}`,
  ].join(',');
  return {
    script: 'mount -t tmpfs -o "$3" nestbox-root "$1" && cp -a "$2/." "$1"',
    args: [paths.mountPoint, paths.template, options],
  };
}

/** Characters that overlayfs reads as separators in its lowerdir, upperdir and workdir options. */
const OVERLAY_SEPARATORS = /[,:\\]/;

/**
 * Fails with a clear error when `path` (a configured directory the overlays' paths start with)
 * cannot be written in an overlay mount option.
 */
export function requireOverlayPath(path: string, setting: string): void {
  if (!OVERLAY_SEPARATORS.test(path)) return;
  throw new SandboxError(
    'start-failed',
    `${setting} is ${path}, which has a comma, colon or backslash; the sandbox's root is an ` +
      'overlay whose mount options cannot hold those. Choose a directory without them.',
  );
}
