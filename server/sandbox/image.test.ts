import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  copyImageFiles,
  IMAGE_FILES_DIR,
  IMAGE_PACKAGES,
  IMAGE_SUITE,
  imageFilesHash,
  imageStatus,
} from './image.js';
import { initBuildHash } from './init.js';

let scratch: string;
let files: string;
let init: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nestbox-image-'));
  files = join(scratch, 'image-files');
  await mkdir(join(files, 'usr/local/bin'), { recursive: true });
  await writeFile(join(files, 'usr/local/bin/tool'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await writeFile(join(files, 'usr/local/bin/notes'), 'plain\n', { mode: 0o644 });
  init = join(scratch, 'init.c');
  await writeFile(init, 'int main(void) { return 0; }\n');
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('imageFilesHash', () => {
  it('is the same for the same files', async () => {
    expect(await imageFilesHash(files)).toBe(await imageFilesHash(files));
    expect(await imageFilesHash(files)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('changes when a file changes, gains the execute bit, appears or moves', async () => {
    const seen = new Set([await imageFilesHash(files)]);
    await writeFile(join(files, 'usr/local/bin/tool'), '#!/bin/sh\necho hello\n');
    seen.add(await imageFilesHash(files));
    await chmod(join(files, 'usr/local/bin/notes'), 0o755);
    seen.add(await imageFilesHash(files));
    await writeFile(join(files, 'usr/local/bin/new'), '');
    seen.add(await imageFilesHash(files));
    await mkdir(join(files, 'etc'));
    await writeFile(join(files, 'etc/new'), '');
    await rm(join(files, 'usr/local/bin/new'));
    seen.add(await imageFilesHash(files));
    expect(seen.size).toBe(5);
  });
});

describe('imageStatus', () => {
  const writeManifest = async (
    imageFiles: string | undefined,
    initHash: string | undefined,
  ): Promise<void> => {
    const dir = join(scratch, 'data/images/base');
    await mkdir(join(dir, 'rootfs'), { recursive: true });
    const manifest = {
      suite: IMAGE_SUITE,
      packages: [...IMAGE_PACKAGES],
      imageFiles,
      init: initHash,
      builtAt: 'x',
    };
    await writeFile(join(dir, 'image.json'), JSON.stringify(manifest));
  };

  it('is ready when the image was built from the current image files', async () => {
    await writeManifest(await imageFilesHash(files), await initBuildHash(init));
    expect(await imageStatus(join(scratch, 'data'), files, init)).toMatchObject({ ready: true });
  });

  it('is stale when an image file changed since the build', async () => {
    await writeManifest(await imageFilesHash(files), await initBuildHash(init));
    await writeFile(join(files, 'usr/local/bin/tool'), '#!/bin/sh\necho changed\n');
    expect(await imageStatus(join(scratch, 'data'), files, init)).toMatchObject({
      ready: false,
      reason: 'the cached image was built from other image files',
    });
  });

  it('is stale when the image predates image files', async () => {
    await writeManifest(undefined, await initBuildHash(init));
    expect(await imageStatus(join(scratch, 'data'), files, init)).toMatchObject({
      ready: false,
      reason: 'the cached image was built from other image files',
    });
  });
});

describe('imageStatus and the init', () => {
  it('is stale when the init changed since the build, or the image predates it', async () => {
    const dir = join(scratch, 'data/images/base');
    await mkdir(join(dir, 'rootfs'), { recursive: true });
    const builtWith = await initBuildHash(init);
    const manifest = {
      suite: IMAGE_SUITE,
      packages: [...IMAGE_PACKAGES],
      imageFiles: await imageFilesHash(files),
      builtAt: 'x',
    };
    await writeFile(join(dir, 'image.json'), JSON.stringify({ ...manifest, init: builtWith }));
    expect(await imageStatus(join(scratch, 'data'), files, init)).toMatchObject({ ready: true });

    await writeFile(init, 'int main(void) { return 1; }\n');
    const stale = { ready: false, reason: 'the cached image was built with another init' };
    expect(await imageStatus(join(scratch, 'data'), files, init)).toMatchObject(stale);
    await writeFile(join(dir, 'image.json'), JSON.stringify(manifest));
    expect(await imageStatus(join(scratch, 'data'), files, init)).toMatchObject(stale);
  });
});

describe('copyImageFiles', () => {
  it('copies files with their modes and leaves existing folders as they were', async () => {
    const rootfs = join(scratch, 'rootfs');
    await mkdir(join(rootfs, 'usr/local'), { recursive: true, mode: 0o755 });
    await chmod(join(rootfs, 'usr/local'), 0o700);
    await copyImageFiles(files, rootfs);
    expect((await stat(join(rootfs, 'usr/local/bin/tool'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(rootfs, 'usr/local/bin/notes'))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(rootfs, 'usr/local'))).mode & 0o7777).toBe(0o700);
  });
});

describe('the image files of this project', () => {
  it('include the lessons’ helper scripts, executable', async () => {
    for (const name of ['minictr', 'cgroup-files']) {
      const mode = (await stat(join(IMAGE_FILES_DIR, 'usr/local/bin', name))).mode;
      expect(mode & 0o755, name).toBe(0o755);
    }
  });
});
