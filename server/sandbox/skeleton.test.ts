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
const BOOKWORM = {
  dirs: [
    'boot',
    'dev',
    'etc',
    'home',
    'media',
    'mnt',
    'opt',
    'proc',
    'root',
    'run',
    'srv',
    'sys',
    'tmp',
    'usr',
    'var',
  ],
  symlinks: [
    { name: 'sbin', target: 'usr/sbin' },
    { name: 'bin', target: 'usr/bin' },
    { name: 'lib', target: 'usr/lib' },
    { name: 'lib64', target: 'usr/lib64' },
  ],
};

describe('planSkeleton', () => {
  it('idmaps every image directory the spec does not mount itself', () => {
    const plan = planSkeleton(BOOKWORM, OWN);
    expect(plan.idmappedDirs).toEqual([
      'boot',
      'etc',
      'home',
      'media',
      'mnt',
      'opt',
      'srv',
      'usr',
      'var',
    ]);
    expect(plan.mountPoints).toEqual([...BOOKWORM.dirs].sort());
    expect(plan.symlinks.map((link) => link.name)).toEqual(['bin', 'lib', 'lib64', 'sbin']);
  });

  it('makes mount points for the spec’s own mounts even when the image lacks them', () => {
    const plan = planSkeleton({ dirs: ['usr'], symlinks: [] }, OWN);
    expect(plan.mountPoints).toEqual(['dev', 'proc', 'root', 'run', 'sys', 'tmp', 'usr']);
    expect(plan.idmappedDirs).toEqual(['usr']);
  });

  it('leaves an image symlink alone rather than making a directory over it', () => {
    const plan = planSkeleton(
      { dirs: ['usr'], symlinks: [{ name: 'tmp', target: 'var/tmp' }] },
      OWN,
    );
    expect(plan.mountPoints).not.toContain('tmp');
    expect(plan.symlinks).toEqual([{ name: 'tmp', target: 'var/tmp' }]);
  });
});

describe('readImageTop and makeSkeleton', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('recreates the image’s top level, owned by the range', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nestbox-skeleton-'));
    const image = join(dir, 'image');
    mkdirSync(join(image, 'usr/bin'), { recursive: true });
    mkdirSync(join(image, 'etc'));
    symlinkSync('usr/bin', join(image, 'bin'));
    writeFileSync(join(image, 'stray-file'), '');
    const top = await readImageTop(image);
    expect([...top.dirs].sort()).toEqual(['etc', 'usr']);
    expect(top.symlinks).toEqual([{ name: 'bin', target: 'usr/bin' }]);

    // Owned by the test's own uid, which works unprivileged as well as as root.
    const uid = process.getuid?.() ?? 0;
    const skeleton = join(dir, 'skeleton');
    await makeSkeleton(skeleton, planSkeleton(top, ['proc']), { hostId: uid, size: 1 });
    expect(readdirSync(skeleton).sort()).toEqual(['bin', 'etc', 'proc', 'usr']);
    expect(readlinkSync(join(skeleton, 'bin'))).toBe('usr/bin');
    expect(readdirSync(join(skeleton, 'usr'))).toEqual([]);
    for (const name of ['', 'bin', 'etc', 'usr']) {
      expect(lstatSync(join(skeleton, name)).uid).toBe(uid);
    }
  });
});
