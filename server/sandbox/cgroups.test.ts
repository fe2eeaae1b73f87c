import { describe, expect, it } from 'vitest';
import { delegatedPaths } from './cgroup-tree.js';
import { cgroupDirs, cgroupFile, parseControllers, parseV1Hierarchies } from './cgroups.js';

const HYBRID_MOUNTINFO = `22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

const DEBIAN_V1_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
34 31 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
35 31 0:31 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio
36 31 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
`;

describe('cgroup paths', () => {
  it('places a v1 cgroup in each controller and a v2 cgroup in the one tree', () => {
    expect(cgroupDirs('v2', 'nestbox/a')).toEqual({ unified: '/sys/fs/cgroup/nestbox/a' });
    expect(cgroupDirs('hybrid', 'nestbox/a').pids).toBe('/sys/fs/cgroup/pids/nestbox/a');
    expect(cgroupFile('v1', 'nestbox/a', 'memory.limit_in_bytes')).toBe(
      '/sys/fs/cgroup/memory/nestbox/a/memory.limit_in_bytes',
    );
    expect(cgroupFile('v2', 'nestbox/a', 'memory.max')).toBe('/sys/fs/cgroup/nestbox/a/memory.max');
  });

  it('finds every v1 hierarchy, named ones too, but not the hybrid v2 tree', () => {
    expect(parseV1Hierarchies(HYBRID_MOUNTINFO)).toEqual([
      '/sys/fs/cgroup/cpu',
      '/sys/fs/cgroup/cpuacct',
      '/sys/fs/cgroup/memory',
      '/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/systemd',
    ]);
  });

  it('counts co-mounted controllers as one hierarchy', () => {
    expect(parseV1Hierarchies(DEBIAN_V1_MOUNTINFO)).toEqual([
      '/sys/fs/cgroup/cpu,cpuacct',
      '/sys/fs/cgroup/net_cls,net_prio',
      '/sys/fs/cgroup/pids',
    ]);
  });
});

describe('available controllers', () => {
  it('reads v2 cgroup.controllers', () => {
    expect(parseControllers('v2', 'cpuset cpu io memory hugetlb pids rdma misc\n')).toEqual([
      'cpuset',
      'cpu',
      'io',
      'memory',
      'hugetlb',
      'pids',
      'rdma',
      'misc',
    ]);
  });

  it('reads v1 /proc/cgroups, skipping disabled and unmounted controllers', () => {
    const procCgroups = [
      '#subsys_name\thierarchy\tnum_cgroups\tenabled',
      'cpuset\t3\t3\t1',
      'cpu\t1\t3\t1',
      'memory\t4\t83\t0',
      'hugetlb\t0\t1\t1',
      'pids\t8\t2\t1',
      '',
    ].join('\n');
    expect(parseControllers('hybrid', procCgroups)).toEqual(['cpuset', 'cpu', 'pids']);
  });
});

describe('delegation on v1', () => {
  it('hands over only the directory and the files that move processes', () => {
    expect(delegatedPaths('/sys/fs/cgroup/pids', 'nestbox/a')).toEqual([
      '/sys/fs/cgroup/pids/nestbox/a',
      '/sys/fs/cgroup/pids/nestbox/a/cgroup.procs',
      '/sys/fs/cgroup/pids/nestbox/a/tasks',
    ]);
  });
});
