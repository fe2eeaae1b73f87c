import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxError } from './errors.js';
import type { SandboxLimits } from './limits.js';
import {
  makeRootLayerTemplate,
  mountRootLayer,
  requireOverlayPath,
  rootLayerPaths,
  rootLayout,
} from './root-layer.js';
import type { SkeletonPlan } from './skeleton.js';

const PLAN: SkeletonPlan = {
  mountPoints: [
    { name: 'etc', mode: 0o755 },
    { name: 'opt', mode: 0o755 },
    { name: 'proc', mode: 0o555 },
    { name: 'usr', mode: 0o750 },
  ],
  imageDirs: ['etc', 'usr'],
  symlinks: [{ name: 'bin', target: 'usr/bin' }],
};

describe('makeRootLayerTemplate', () => {
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('makes the skeleton and an upper and work directory per image directory, owned by the range', async () => {
    scratch = mkdtempSync(join(tmpdir(), 'nestbox-layer-'));
    const paths = rootLayerPaths(scratch);
    // Owned by the test's own uid, which works unprivileged as well as as root.
    const uid = process.getuid?.() ?? 0;
    await makeRootLayerTemplate(paths, PLAN, { hostId: uid, size: 1 });

    expect(readdirSync(paths.mountPoint)).toEqual([]);
    expect(readdirSync(paths.template).sort()).toEqual(['rootfs', 'upper', 'work']);
    expect(readdirSync(join(paths.template, 'rootfs')).sort()).toEqual([
      'bin',
      'etc',
      'opt',
      'proc',
      'usr',
    ]);
    for (const part of ['upper', 'work']) {
      expect(readdirSync(join(paths.template, part)).sort()).toEqual(['etc', 'usr']);
    }
    // An overlay's root shows its upper directory's mode: the image's.
    expect(lstatSync(join(paths.template, 'upper/usr')).mode & 0o7777).toBe(0o750);
    expect(lstatSync(join(paths.template, 'work/usr')).mode & 0o7777).toBe(0o700);
    for (const path of ['rootfs', 'upper', 'upper/etc', 'work', 'work/etc']) {
      expect(lstatSync(join(paths.template, path)).uid).toBe(uid);
    }
  });
});

describe('rootLayout', () => {
  const paths = rootLayerPaths('/run/nestbox/bundles/nestbox-1');

  it('puts the root, uppers and work directories on the mounted layer', () => {
    expect(rootLayout(paths, ['usr'], { path: '/images/rootfs', idmapped: true })).toEqual({
      rootfs: '/run/nestbox/bundles/nestbox-1/root/rootfs',
      overlays: [
        {
          dir: 'usr',
          lower: '/images/rootfs/usr',
          idmapped: true,
          upper: '/run/nestbox/bundles/nestbox-1/root/upper/usr',
          work: '/run/nestbox/bundles/nestbox-1/root/work/usr',
        },
      ],
    });
  });
});

describe('mountRootLayer', () => {
  it('mounts a tmpfs bounded like the other writable tmpfs, nosuid and nodev, then fills it', () => {
    const paths = rootLayerPaths('/run/nestbox/bundles/nestbox-1');
    const limits = { tmpfsBytes: 32 * 1024 * 1024, tmpfsInodes: 4096 } as SandboxLimits;
    const setup = mountRootLayer(paths, limits);
    expect(setup.args).toEqual([
      paths.mountPoint,
      paths.template,
      `nosuid,nodev,mode=711,size=${32 * 1024 * 1024},nr_inodes=4096`,
    ]);
    expect(setup.script).toBe('mount -t tmpfs -o "$3" nestbox-root "$1" && cp -a "$2/." "$1"');
  });
});

describe('requireOverlayPath', () => {
  it('accepts plain paths and refuses what overlayfs reads as separators', () => {
    expect(() => {
      requireOverlayPath('/run/nestbox', 'NESTBOX_RUN_DIR');
    }).not.toThrow();
    for (const path of ['/run/a,b', '/run/a:b', '/run/a\\b']) {
      expect(() => {
        requireOverlayPath(path, 'NESTBOX_RUN_DIR');
      }).toThrow(SandboxError);
    }
    expect(() => {
      requireOverlayPath('/x:y', 'NESTBOX_DATA_DIR');
    }).toThrow(/NESTBOX_DATA_DIR/);
  });
});
