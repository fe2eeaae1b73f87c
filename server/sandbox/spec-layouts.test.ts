/**
 * The spec on each cgroup layout, and the spec side of cgroup delegation: on v2 crun delegates
 * the sandbox's cgroup to its root by itself when the spec asks for a user namespace, a cgroup
 * namespace and a writable cgroup mount; on v1 Nestbox chowns the directories (cgroup-tree.ts)
 * and the same spec applies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CgroupLayout } from './cgroups.js';
import { execProcess } from './exec.js';
import type { OciSpec } from './oci.js';
import { loadMobyProfile, SECCOMP_ARCHITECTURES, type MobySeccompProfile } from './seccomp.js';
import { buildSpec } from './spec.js';

const MIB = 1024 * 1024;
let profile: MobySeccompProfile;

beforeAll(async () => {
  profile = await loadMobyProfile();
});

function specFor(layout: CgroupLayout): OciSpec {
  const architecture = SECCOMP_ARCHITECTURES.x64;
  if (!architecture) throw new Error('x64 is a supported architecture');
  return buildSpec({
    root: { rootfs: '/run/nestbox/bundles/nestbox-0123456789abcdef/root/rootfs', overlays: [] },
    hostname: 'nestbox',
    args: ['/bin/bash', '--login'],
    respawn: true,
    console: '/run/nestbox/bundles/nestbox-0123456789abcdef/console',
    idRange: { hostId: 1_000_065_536, size: 65536 },
    cgroupsPath: 'nestbox/nestbox-0123456789abcdef',
    limits: {
      pids: 128,
      memoryBytes: 256 * MIB,
      cpus: 1,
      cpuWeight: 100,
      cpuset: '',
      tmpfsBytes: 64 * MIB,
      tmpfsInodes: 16384,
      nofile: 1024,
    },
    cgroups: { layout, swapAccounting: true },
    maskProc: false,
    seccomp: { profile, architecture },
  });
}

describe.each<CgroupLayout>(['v2', 'hybrid', 'v1'])('a %s sandbox spec', (layout) => {
  it('puts the sandbox in its own user and cgroup namespaces', () => {
    const types = specFor(layout).linux.namespaces.map((namespace) => namespace.type);
    expect(types).toContain('user');
    expect(types).toContain('cgroup');
  });

  it('mounts its cgroup read-write, without suid, devices or exec', () => {
    const mount = specFor(layout).mounts.find((m) => m.destination === '/sys/fs/cgroup');
    expect(mount?.type).toBe('cgroup');
    expect(mount?.options).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']));
    expect(mount?.options).not.toContain('ro');
  });

  it('uses a relative cgroup path, under the parent that caps all sandboxes', () => {
    expect(specFor(layout).linux.cgroupsPath).toBe('nestbox/nestbox-0123456789abcdef');
  });

  it('maps container root to its own unprivileged host range', () => {
    const spec = specFor(layout);
    expect(spec.linux.uidMappings).toEqual([
      { containerID: 0, hostID: 1_000_065_536, size: 65536 },
    ]);
    expect(spec.linux.gidMappings).toEqual(spec.linux.uidMappings);
  });

  it('applies the limits as OCI resources for the layout', () => {
    const { resources } = specFor(layout).linux;
    expect(resources.pids.limit).toBe(128);
    expect(resources.memory).toEqual({ limit: 256 * MIB, swap: 256 * MIB });
    if (layout === 'v2') expect(resources.unified).toEqual({ 'cpu.weight': '100' });
    else expect(resources.cpu.shares).toBe(1024);
  });
});

describe('exec processes', () => {
  it('carry the first process hardening, with their own args', () => {
    const base = specFor('hybrid').process;
    const tab = execProcess(base, ['/bin/bash', '--login']);
    expect(tab).toEqual({ ...base, args: ['/bin/bash', '--login'] });
    const verify = execProcess(base, ['sh', '-c', 'exit 0']);
    expect(verify.noNewPrivileges).toBe(true);
    expect(verify.rlimits).toEqual(base.rlimits);
    expect(verify.env).toEqual(base.env);
    expect(verify.cwd).toBe('/root');
    expect(verify.terminal).toBe(false);
  });

  it('keep core dumps off and open files bounded', () => {
    expect(specFor('v2').process.rlimits).toEqual([
      { type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 },
      { type: 'RLIMIT_CORE', hard: 0, soft: 0 },
    ]);
  });
});
