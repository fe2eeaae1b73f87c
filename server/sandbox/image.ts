/**
 * The base image: a Debian root filesystem built once by debootstrap, with the lessons' helper
 * scripts and the sandbox's init (init.ts) added, and cached under the data directory. Sandboxes
 * mount it read-only, so one copy serves every session.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  mkdir,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from './errors.js';
import { findExecutable } from './executables.js';
import { compileInit, INIT, INIT_SOURCE, initBuildHash } from './init.js';
import { removeTree } from './remove-tree.js';

export const IMAGE_SUITE = 'bookworm';

/** What the first curriculum uses: namespaces, cgroups, process tools and a load generator. */
export const IMAGE_PACKAGES = [
  'util-linux',
  'procps',
  'iproute2',
  'htop',
  'stress-ng',
  'libcap2-bin',
  'less',
  'python3-minimal',
] as const;

/**
 * Files copied into the image after debootstrap, at the same paths (image-files/usr/local/bin/x
 * becomes /usr/local/bin/x), with their modes: the lessons' helper scripts.
 */
export const IMAGE_FILES_DIR = fileURLToPath(new URL('./image-files', import.meta.url));

interface ImageManifest {
  suite: string;
  packages: string[];
  /** imageFilesHash of the image files it was built with. */
  imageFiles?: string;
  /** initBuildHash of the init it was built with (init.ts). */
  init?: string;
  builtAt: string;
}

export interface ImageStatus {
  ready: boolean;
  rootfs: string;
  /** When the cached image was built, if it exists and matches the current package list. */
  builtAt?: string;
  /** Why the image is not ready, when it is not. */
  reason?: string;
}

function imageDir(dataDir: string): string {
  return join(dataDir, 'images', 'base');
}

export function rootfsPath(dataDir: string): string {
  return join(imageDir(dataDir), 'rootfs');
}

function manifestPath(dataDir: string): string {
  return join(imageDir(dataDir), 'image.json');
}

/** Every file under `dir` (relative paths, sorted), with its mode. Only files and folders. */
async function listImageFiles(dir: string, prefix = ''): Promise<{ path: string; mode: number }[]> {
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const files: { path: string; mode: number }[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) files.push(...(await listImageFiles(dir, path)));
    else if (entry.isFile())
      files.push({ path, mode: (await stat(join(dir, path))).mode & 0o7777 });
    else
      throw new SandboxError(
        'image-build-failed',
        `${join(dir, path)}: image files may only be regular files and folders`,
      );
  }
  return files;
}

/** A digest of the image files' paths, modes and contents: any change makes the image stale. */
export async function imageFilesHash(dir = IMAGE_FILES_DIR): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await listImageFiles(dir)) {
    const content = await readFile(join(dir, file.path));
    hash.update(`${file.path}\0${file.mode.toString(8)}\0${String(content.length)}\0`);
    hash.update(content);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Copies the image files into a root filesystem. Folders that exist keep their modes. */
export async function copyImageFiles(dir: string, rootfs: string): Promise<void> {
  for (const file of await listImageFiles(dir)) {
    const target = join(rootfs, file.path);
    await mkdir(join(target, '..'), { recursive: true, mode: 0o755 });
    await copyFile(join(dir, file.path), target);
    await chmod(target, file.mode);
  }
}

export async function imageStatus(
  dataDir: string,
  imageFilesDir = IMAGE_FILES_DIR,
  initSource = INIT_SOURCE,
): Promise<ImageStatus> {
  const rootfs = rootfsPath(dataDir);
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath(dataDir), 'utf8')) as ImageManifest;
  } catch {
    return { ready: false, rootfs, reason: `no image at ${rootfs}` };
  }
  const wanted = [...IMAGE_PACKAGES].sort().join(',');
  if (manifest.suite !== IMAGE_SUITE || [...manifest.packages].sort().join(',') !== wanted) {
    return { ready: false, rootfs, reason: 'the cached image was built for another package list' };
  }
  if (manifest.imageFiles !== (await imageFilesHash(imageFilesDir))) {
    return { ready: false, rootfs, reason: 'the cached image was built from other image files' };
  }
  if (manifest.init !== (await initBuildHash(initSource))) {
    return { ready: false, rootfs, reason: 'the cached image was built with another init' };
  }
  return { ready: true, rootfs, builtAt: manifest.builtAt };
}

export interface BuildImageOptions {
  /** Debian mirror URL; debootstrap's default when undefined. */
  mirror?: string;
  /** Called with each line of progress, already prefixed with the elapsed time. */
  onProgress: (line: string) => void;
  /** Where the image files come from; IMAGE_FILES_DIR when undefined. */
  imageFilesDir?: string;
}

/**
 * Builds the image into a staging directory and swaps it in only when complete, so an
 * interrupted build never leaves a half-made image that looks ready.
 */
export async function buildImage(dataDir: string, options: BuildImageOptions): Promise<void> {
  const debootstrap = await findExecutable('debootstrap');
  if (!debootstrap) {
    throw new SandboxError(
      'image-build-failed',
      'debootstrap is not installed. Install it with: apt-get install -y debootstrap',
    );
  }
  const dir = imageDir(dataDir);
  const staging = join(dir, 'rootfs.building');
  const init = join(dir, 'init.building');
  await mkdir(dir, { recursive: true });
  await removeTree(staging);

  const started = Date.now();
  const progress = (line: string): void => {
    const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
    options.onProgress(`[${seconds}s] ${line}`);
  };
  // First, so that a missing compiler is reported before a minute of debootstrap.
  const initHash = await initBuildHash();
  await compileInit(init);
  progress(`compiled the init (${INIT_SOURCE})`);
  try {
    await debootstrapInto(staging, debootstrap, options.mirror, progress);
    // Downloaded .deb files are only a cache; dropping them halves the image.
    await rm(join(staging, 'var/cache/apt/archives'), { recursive: true, force: true });
    await mkdir(join(staging, 'var/cache/apt/archives/partial'), { recursive: true });
    const imageFilesDir = options.imageFilesDir ?? IMAGE_FILES_DIR;
    const imageFiles = await imageFilesHash(imageFilesDir);
    await copyImageFiles(imageFilesDir, staging);
    progress(`copied the image files from ${imageFilesDir}`);
    await mkdir(join(staging, INIT, '..'), { recursive: true, mode: 0o755 });
    await rename(init, join(staging, INIT));
    await chmod(join(staging, INIT), 0o755);

    await rm(rootfsPath(dataDir), { recursive: true, force: true });
    await rename(staging, rootfsPath(dataDir));
    const manifest: ImageManifest = {
      suite: IMAGE_SUITE,
      packages: [...IMAGE_PACKAGES],
      imageFiles,
      init: initHash,
      builtAt: new Date().toISOString(),
    };
    await writeFile(manifestPath(dataDir), `${JSON.stringify(manifest, null, 2)}\n`);
    progress(`image ready at ${rootfsPath(dataDir)}`);
  } finally {
    // Gone into the image unless a step failed; the next build removes a half-made staging.
    await rm(init, { force: true });
  }
}

/** Runs debootstrap into `staging`; removes it when debootstrap fails. */
async function debootstrapInto(
  staging: string,
  debootstrap: string,
  mirror: string | undefined,
  progress: (line: string) => void,
): Promise<void> {
  progress(`debootstrap ${IMAGE_SUITE} with ${IMAGE_PACKAGES.join(', ')}`);
  const args = [
    '--variant=minbase',
    `--include=${IMAGE_PACKAGES.join(',')}`,
    IMAGE_SUITE,
    staging,
    ...(mirror ? [mirror] : []),
  ];
  const child = spawn(debootstrap, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      // debootstrap's "I:" lines are its own progress report; the rest is dpkg chatter.
      if (line.startsWith('I: ') || line.startsWith('E: ') || line.startsWith('W: '))
        progress(line.slice(3));
    });
  }
  const code = await new Promise<number>((resolve) => {
    child.on('close', (exitCode) => {
      resolve(exitCode ?? 1);
    });
  });
  if (code !== 0) {
    await removeTree(staging);
    throw new SandboxError(
      'image-build-failed',
      `debootstrap exited with ${code}. Its last lines:\n${tail.join('\n')}`,
    );
  }
}
