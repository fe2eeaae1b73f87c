import { describe, expect, it } from 'vitest';
import { mountsBelow } from './remove-tree.js';

const MOUNTINFO = [
  '22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '90 22 0:5 / /var/lib/nestbox/images/base/rootfs.building/proc rw - proc proc rw',
  '91 90 0:6 / /var/lib/nestbox/images/base/rootfs.building/proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw',
  '92 22 0:7 / /var/lib/nestbox/images/base/rootfs.building\\040old/sys rw - sysfs sysfs rw',
  '93 22 0:8 / /var/lib/nestbox/images/base/rootfs.buildingX/proc rw - proc proc rw',
  '94 22 0:9 / /var/lib/nestbox/images/base/rootfs.building rw - tmpfs tmpfs rw',
].join('\n');

describe('mountsBelow', () => {
  it('lists the mounts strictly inside a directory, deepest first', () => {
    expect(mountsBelow(MOUNTINFO, '/var/lib/nestbox/images/base/rootfs.building')).toEqual([
      '/var/lib/nestbox/images/base/rootfs.building/proc/sys/fs/binfmt_misc',
      '/var/lib/nestbox/images/base/rootfs.building/proc',
    ]);
  });

  it('decodes the octal escapes mountinfo uses for spaces', () => {
    expect(mountsBelow(MOUNTINFO, '/var/lib/nestbox/images/base/rootfs.building old')).toEqual([
      '/var/lib/nestbox/images/base/rootfs.building old/sys',
    ]);
  });

  it('accepts a trailing slash or a relative spelling of the same directory', () => {
    expect(mountsBelow(MOUNTINFO, '/var/lib/nestbox/images/base/rootfs.buildingX/')).toEqual([
      '/var/lib/nestbox/images/base/rootfs.buildingX/proc',
    ]);
  });
});
