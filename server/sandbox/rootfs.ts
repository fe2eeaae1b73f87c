/**
 * How container root comes to own the image, which each sandbox sees beneath its writable root
 * layer (root-layer.ts) and never writes. The image on disk belongs to host root,
 * and each sandbox's root is its own unprivileged host uid range (ids.ts), so without help every
 * file would show as `nobody` inside. Two ways to fix that:
 * - `idmap`: bind-mount the image's directories with an idmap (kernel 5.12+ and a filesystem
 *   that supports it). One image serves every session; nothing is copied.
 * - `shifted`: a copy of the image per id range, chowned into that range. It works on any
 *   kernel, costs one image's worth of disk per range, and is cached: the copy for a range
 *   serves every later session in that range (the allocator reuses the lowest free ranges).
 * `auto` probes idmapped mounts once at start-up with a real container and picks `shifted`
 * when they do not work.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  lchown,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  statfs,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SandboxError } from './errors.js';
import type { IdRange } from './ids.js';
import type { OciSpec } from './oci.js';
import { runRuntime, type RuntimeConfig } from './runtime.js';

const run = promisify(execFile);

export type RootfsMode = 'auto' | 'idmap' | 'shifted';

/** The read-only image a sandbox's overlays show (root-layer.ts): the shared one, to idmap, or
 *  the range's copy, whose files already belong to the range. */
export interface ImageLower {
  path: string;
  idmapped: boolean;
}

export interface RootfsProvider {
  readonly mode: 'idmap' | 'shifted';
  /** The image for a sandbox in `range`: for `idmap`, the shared one; for `shifted`, the
   *  range's copy, built if needed. */
  acquire(range: IdRange): Promise<ImageLower>;
  /** The sandbox in `range` is gone; for `shifted`, evicts idle copies beyond the cache size. */
  release(range: IdRange): Promise<void>;
}

/** The `idmap` provider: every sandbox shows the one shared image through idmapped mounts. */
export function idmapRootfs(image: string): RootfsProvider {
  return {
    mode: 'idmap',
    acquire: () => Promise.resolve({ path: image, idmapped: true }),
    release: () => Promise.resolve(),
  };
}

type ProbeSpec = Omit<OciSpec, 'linux'> & {
  linux: Pick<OciSpec['linux'], 'uidMappings' | 'gidMappings' | 'namespaces' | 'cgroupsPath'>;
};

/**
 * The smallest container that needs what an `idmap` sandbox's root needs (spec.ts overlaidDir):
 * `/usr/bin/true` from an overlay, mounted in a user namespace, on an idmapped /usr, as container
 * root. No capabilities, nothing writable: with no upper directory, overlayfs takes two lower
 * layers, and /dev's tmpfs, which holds nothing `true` needs, is the second.
 */
export function idmapProbeSpec(rootfs: string, range: IdRange, cgroupsPath: string): ProbeSpec {
  const mapping = [{ containerID: 0, hostID: range.hostId, size: range.size }];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['/usr/bin/true'],
      env: ['PATH=/usr/bin'],
      cwd: '/',
      capabilities: { bounding: [], effective: [], permitted: [] },
      rlimits: [],
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    hostname: 'nestbox-probe',
    mounts: [
      // crun makes /dev's standard symlinks; the read-only root needs a tmpfs for them.
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec'] },
      {
        destination: '/usr',
        type: 'bind',
        source: `${rootfs}/usr`,
        options: ['rbind', 'ro', 'nosuid', 'nodev', 'idmap'],
      },
      {
        destination: '/usr',
        type: 'overlay',
        source: 'overlay',
        options: [`lowerdir=${rootfs}/usr:${rootfs}/dev`, 'nosuid', 'nodev'],
      },
    ],
    linux: {
      uidMappings: mapping,
      gidMappings: mapping,
      namespaces: ['user', 'mount', 'pid', 'uts'].map((type) => ({ type })),
      cgroupsPath,
    },
  };
}

export interface ProbeContext {
  runtime: RuntimeConfig;
  rootfs: string;
  /** Where the probe's bundle goes; named with `prefix` so a crash leaves it to the reaper. */
  bundlesDir: string;
  parent: string;
  prefix: string;
  /** A uid range no live sandbox uses. */
  range: IdRange;
}

/**
 * Runs the probe container. Resolves undefined when idmapped mounts (and overlays on them) work, or crun's complaint
 * when they do not. Bounded to 15 s; it leaves no container, cgroup or bundle behind.
 */
export async function probeIdmappedMounts(context: ProbeContext): Promise<string | undefined> {
  const id = `${context.prefix}probe-${randomBytes(6).toString('hex')}`;
  const bundle = join(context.bundlesDir, id);
  const spec = idmapProbeSpec(context.rootfs, context.range, `${context.parent}/${id}`);
  try {
    await mkdir(bundle, { recursive: true, mode: 0o700 });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    const result = await runRuntime(context.runtime, ['run', '--bundle', bundle, id], {
      timeoutMs: 15_000,
      maxOutputBytes: 64 * 1024,
    });
    if (result.code === 0) return undefined;
    return result.stderr.trim().split('\n').at(-1) ?? `crun exited with ${result.code}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await runRuntime(context.runtime, ['delete', '--force', id]).catch(() => undefined);
    await rm(bundle, { recursive: true, force: true });
  }
}

/** Host owner of a file owned by `id` in the image, for the copy that belongs to `range`. */
export function shiftedId(id: number, range: IdRange): number {
  if (!Number.isInteger(id) || id < 0 || id >= range.size) {
    throw new SandboxError(
      'image-build-failed',
      `The image has a file owned by id ${id}, outside the ${range.size} ids a sandbox maps.`,
    );
  }
  return range.hostId + id;
}

/**
 * Chowns every file under `root` (itself included) into `range`. chown clears setuid and setgid
 * bits, so those modes are put back afterwards. (File capabilities would be dropped too; the
 * image has none.) Symlinks are chowned themselves, never followed. `root` is one filesystem.
 */
export async function shiftOwnership(root: string, range: IdRange): Promise<void> {
  const pending = [root];
  // A file with several hard links is one inode: shift it once, not once per name.
  const shiftedLinks = new Set<number>();
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const info = await lstat(path);
    if (!info.isDirectory() && info.nlink > 1) {
      if (shiftedLinks.has(info.ino)) continue;
      shiftedLinks.add(info.ino);
    }
    await lchown(path, shiftedId(info.uid, range), shiftedId(info.gid, range));
    if (!info.isSymbolicLink() && (info.mode & 0o6000) !== 0) await chmod(path, info.mode & 0o7777);
    if (info.isDirectory()) {
      for (const name of await readdir(path)) pending.push(join(path, name));
    }
  }
}

/** Disk a tree takes (allocated blocks, each inode once), for sizing a copy before making it. */
export async function diskUsage(root: string): Promise<number> {
  let bytes = 0;
  const seen = new Set<number>();
  const pending = [root];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const info = await lstat(path);
    if (seen.has(info.ino)) continue;
    seen.add(info.ino);
    bytes += info.blocks * 512;
    if (info.isDirectory()) {
      for (const name of await readdir(path)) pending.push(join(path, name));
    }
  }
  return bytes;
}

/** Free disk a copy must leave behind, so that sessions never fill the host's disk. */
export const DISK_RESERVE_BYTES = 1024 ** 3;

/** Whether a copy of `copyBytes` fits in `freeBytes` and leaves the reserve. */
export function hasRoomForCopy(freeBytes: number, copyBytes: number): boolean {
  return freeBytes - copyBytes >= DISK_RESERVE_BYTES;
}

/**
 * Which cached copies to delete: the idle ones beyond `keep`, highest host id first, since the
 * allocator hands out the lowest free range and so reuses the low copies soonest.
 */
export function copiesToEvict(
  onDisk: readonly number[],
  live: ReadonlySet<number>,
  keep: number,
): number[] {
  const idle = onDisk.filter((hostId) => !live.has(hostId)).sort((a, b) => a - b);
  return idle.slice(Math.max(0, keep));
}

export interface ShiftedRootfsOptions {
  /** The image, owned by host root. */
  image: string;
  /** Identifies the image build (its builtAt); a copy of another build is stale. */
  imageStamp: string;
  /** This server's cache folder: one per server (per parent cgroup), never shared. */
  cacheDir: string;
  /** Idle copies kept for reuse; copies of live sandboxes are never evicted. */
  keep: number;
  /** Host ids of the ranges this server may hand out; a copy for any other is stale. */
  validHostIds: ReadonlySet<number>;
}

const STAMP = 'image-stamp';
const mebibytes = (bytes: number): number => Math.round(bytes / 1024 ** 2);
const COPY_TIMEOUT_MS = 10 * 60_000;
/** crun opens the root from inside the user namespace, as the range's root, which must pass
 *  through the cache folders; listing them it need not. (The image itself is world-readable.) */
const TRAVERSE_ONLY = 0o711;

/**
 * The `shifted` provider. Start-up deletes half-built, stale and surplus copies; each range's
 * copy is built on first use and replaced atomically (built beside, then renamed). Work on one
 * range is serialised, so an eviction never races a sandbox taking the same range.
 */
export async function shiftedRootfs(options: ShiftedRootfsOptions): Promise<RootfsProvider> {
  const { cacheDir } = options;
  const live = new Set<number>();
  const queues = new Map<number, Promise<unknown>>();
  const copyDir = (hostId: number): string => join(cacheDir, String(hostId));

  function serial<T>(hostId: number, task: () => Promise<T>): Promise<T> {
    const previous = queues.get(hostId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    queues.set(hostId, settled);
    void settled.then(() => {
      if (queues.get(hostId) === settled) queues.delete(hostId);
    });
    return next;
  }

  async function isCurrent(hostId: number): Promise<boolean> {
    const stamp = await readFile(join(copyDir(hostId), STAMP), 'utf8').catch(() => undefined);
    return stamp === options.imageStamp;
  }

  async function copiesOnDisk(): Promise<number[]> {
    const names = await readdir(cacheDir).catch(() => []);
    return names.filter((name) => /^\d+$/.test(name)).map(Number);
  }

  let imageBytes: Promise<number> | undefined;

  async function build(range: IdRange): Promise<void> {
    const target = copyDir(range.hostId);
    const staging = `${target}.building`;
    await rm(staging, { recursive: true, force: true });
    await rm(target, { recursive: true, force: true });
    imageBytes ??= diskUsage(options.image);
    const disk = await statfs(cacheDir);
    const free = disk.bavail * disk.bsize;
    if (!hasRoomForCopy(free, await imageBytes)) {
      throw new SandboxError(
        'start-failed',
        `No disk for another uid-shifted copy of the image in ${cacheDir}: it takes ` +
          `${mebibytes(await imageBytes)} MiB, ${mebibytes(free)} MiB are free, and ` +
          `${mebibytes(DISK_RESERVE_BYTES)} MiB must stay free. Free some space, lower ` +
          'NESTBOX_MAX_SESSIONS or NESTBOX_SHIFTED_KEEP, or use a kernel with idmapped mounts.',
      );
    }
    await mkdir(staging, { mode: TRAVERSE_ONLY });
    try {
      await run('cp', ['-a', '--reflink=auto', '--', options.image, join(staging, 'rootfs')], {
        timeout: COPY_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024,
      });
      await shiftOwnership(join(staging, 'rootfs'), range);
      await writeFile(join(staging, STAMP), options.imageStamp);
      await rename(staging, target);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw new SandboxError(
        'start-failed',
        `Cannot make the uid-shifted copy of the image for host uid ${range.hostId} in ` +
          `${cacheDir} (is the disk full?). Free some space, lower NESTBOX_MAX_SESSIONS, or use ` +
          'NESTBOX_ROOTFS_MODE=idmap on a kernel with idmapped mounts.',
        { cause: error },
      );
    }
  }

  async function evictIdle(): Promise<void> {
    const victims = copiesToEvict(await copiesOnDisk(), live, options.keep);
    await Promise.all(
      victims.map((hostId) =>
        serial(hostId, async () => {
          if (!live.has(hostId)) await rm(copyDir(hostId), { recursive: true, force: true });
        }),
      ),
    );
  }

  await mkdir(cacheDir, { recursive: true, mode: TRAVERSE_ONLY });
  for (const name of await readdir(cacheDir)) {
    const hostId = Number(name);
    const keep =
      /^\d+$/.test(name) && options.validHostIds.has(hostId) && (await isCurrent(hostId));
    if (!keep) await rm(join(cacheDir, name), { recursive: true, force: true });
  }
  await evictIdle();

  return {
    mode: 'shifted',
    acquire(range) {
      return serial(range.hostId, async () => {
        live.add(range.hostId);
        try {
          if (!(await isCurrent(range.hostId))) await build(range);
        } catch (error) {
          live.delete(range.hostId);
          throw error;
        }
        return { path: join(copyDir(range.hostId), 'rootfs'), idmapped: false };
      });
    },
    async release(range) {
      live.delete(range.hostId);
      await evictIdle();
    },
  };
}
