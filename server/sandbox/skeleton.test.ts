import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSkeleton, planSkeleton, readImageTop } from './skeleton.js';

const OWN = ['dev', 'proc', 'root', 'run', 'sys', 'tmp'];
const dir = (name: string, empty = false, mode = 0o755) => ({ name, mode, empty });
/** Debian bookworm's top level, as debootstrap leaves it. */
const BOOKWORM = {
  dirs: [
    dir('boot', true),
    dir('dev'),
    dir('etc'),
    dir('home', true),
    dir('media', true),
    dir('mnt', true),
    dir('opt', true),
    dir('proc', true),
    dir('root', false, 0o700),
    dir('run'),
    dir('srv', true),
    dir('sys', true),
    dir('tmp', true, 0o1777),
    dir('usr'),
    dir('var'),
  ],
  symlinks: [
    { name: 'sbin', target: 'usr/sbin' },
    { name: 'bin', target: 'usr/bin' },
    { name: 'lib', target: 'usr/lib' },
    { name: 'lib64', target: 'usr/lib64' },
  ],
};

describe('planSkeleton', () => {
  it('overlays every image directory with files in it that the spec does not mount itself', () => {
    const plan = planSkeleton(BOOKWORM, OWN);
    expect(plan.imageDirs).toEqual(['etc', 'usr', 'var']);
    expect(plan.symlinks.map((link) => link.name)).toEqual(['bin', 'lib', 'lib64', 'sbin']);
  });

  it('makes a mount point for every image directory, with the image’s mode', () => {
    const plan = planSkeleton(BOOKWORM, OWN);
    expect(plan.mountPoints.map((point) => point.name)).toEqual(
      BOOKWORM.dirs.map((entry) => entry.name).sort(),
    );
    expect(plan.mountPoints.find((point) => point.name === 'tmp')?.mode).toBe(0o1777);
    expect(plan.mountPoints.find((point) => point.name === 'root')?.mode).toBe(0o700);
  });

  it('makes mount points for the spec’s own mounts even when the image lacks them', () => {
    const plan = planSkeleton({ dirs: [dir('usr')], symlinks: [] }, OWN);
    expect(plan.mountPoints).toEqual(
      ['dev', 'proc', 'root', 'run', 'sys', 'tmp', 'usr'].map((name) => ({ name, mode: 0o755 })),
    );
    expect(plan.imageDirs).toEqual(['usr']);
  });

  it('leaves an image symlink alone rather than making a directory over it', () => {
    const plan = planSkeleton(
      { dirs: [dir('usr')], symlinks: [{ name: 'tmp', target: 'var/tmp' }] },
      OWN,
    );
    expect(plan.mountPoints.map((point) => point.name)).not.toContain('tmp');
    expect(plan.symlinks).toEqual([{ name: 'tmp', target: 'var/tmp' }]);
  });
});

describe('readImageTop and makeSkeleton', () => {
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('recreates the image’s top level, owned by the range', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nestbox-skeleton-'));
    const image = join(scratch, 'image');
    mkdirSync(join(image, 'usr/bin'), { recursive: true });
    mkdirSync(join(image, 'mnt'), { mode: 0o750 });
    symlinkSync('usr/bin', join(image, 'bin'));
    writeFileSync(join(image, 'stray-file'), '');
    const top = await readImageTop(image);
    expect([...top.dirs].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'mnt', mode: 0o750, empty: true },
      { name: 'usr', mode: 0o755, empty: false },
    ]);
    expect(top.symlinks).toEqual([{ name: 'bin', target: 'usr/bin' }]);

    // Owned by the test's own uid, which works unprivileged as well as as root.
    const uid = process.getuid?.() ?? 0;
    const skeleton = join(scratch, 'skeleton');
    await makeSkeleton(skeleton, planSkeleton(top, ['proc']), { hostId: uid, size: 1 });
    expect(readdirSync(skeleton).sort()).toEqual(['bin', 'mnt', 'proc', 'usr']);
    expect(readlinkSync(join(skeleton, 'bin'))).toBe('usr/bin');
    expect(readdirSync(join(skeleton, 'usr'))).toEqual([]);
    expect(lstatSync(join(skeleton, 'mnt')).mode & 0o7777).toBe(0o750);
    for (const name of ['', 'bin', 'mnt', 'usr']) {
      expect(lstatSync(join(skeleton, name)).uid).toBe(uid);
    }
  });
});
