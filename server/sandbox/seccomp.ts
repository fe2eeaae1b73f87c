/**
 * The seccomp filter: Moby's default profile (kept as data in moby-seccomp.json) resolved for our
 * capability set and architecture, the way Moby itself resolves it, plus Nestbox's own policy.
 *
 * Moby allows unshare, setns, mount, umount2 and sethostname when CAP_SYS_ADMIN is in the set.
 * Ours is (it only counts inside the sandbox's user namespace), so the namespace lessons work.
 * That same rule would also allow bpf, perf_event_open and syslog, which Nestbox takes back.
 */
import { readFile } from 'node:fs/promises';
import type { OciSeccomp, OciSeccompAction, OciSeccompRule } from './oci.js';

/** A rule in Moby's profile format: OCI fields plus conditions on capabilities and arches. */
export interface MobySeccompRule extends OciSeccompRule {
  comment?: string;
  includes?: { caps?: string[]; arches?: string[] };
  excludes?: { caps?: string[]; arches?: string[] };
}

export interface MobySeccompProfile {
  defaultAction: OciSeccompAction;
  defaultErrnoRet?: number;
  syscalls: MobySeccompRule[];
}

/** How one CPU architecture is named by Node, by Moby's profile and by libseccomp. */
export interface SeccompArchitecture {
  moby: string;
  scmp: string;
}

/** The architectures Nestbox runs on, by Node's `process.arch`. */
export const SECCOMP_ARCHITECTURES: Readonly<Record<string, SeccompArchitecture>> = {
  x64: { moby: 'amd64', scmp: 'SCMP_ARCH_X86_64' },
  arm64: { moby: 'arm64', scmp: 'SCMP_ARCH_AARCH64' },
};

/**
 * Never allowed, whatever the profile says: no lesson needs them and they carry much of the
 * recent kernel attack surface (keyrings, eBPF, perf, userfaultfd, io_uring, kexec, modules,
 * handle-based opens, process accounting), plus syslog, which would show the host's kernel log
 * on hosts where dmesg is not restricted. They fail with the profile's default errno, EPERM.
 */
export const DENIED_SYSCALLS = [
  'acct',
  'add_key',
  'bpf',
  'delete_module',
  'finit_module',
  'init_module',
  'io_uring_enter',
  'io_uring_register',
  'io_uring_setup',
  'kexec_file_load',
  'kexec_load',
  'keyctl',
  'open_by_handle_at',
  'perf_event_open',
  'request_key',
  'syslog',
  'userfaultfd',
] as const;

/**
 * The new mount API (fsconfig had a heap overflow reachable from a user namespace,
 * CVE-2022-0185). It fails with ENOSYS, which makes libmount fall back to mount(2), so `mount`
 * and `unshare --mount-proc` keep working.
 */
export const NEW_MOUNT_API_SYSCALLS = [
  'fsconfig',
  'fsmount',
  'fsopen',
  'fspick',
  'mount_setattr',
  'move_mount',
  'open_tree',
] as const;

/** Allowed beyond Moby's profile: lessons build a container by hand (pivot_root needs
 *  CAP_SYS_ADMIN, which only counts in the sandbox's own user namespace). */
export const LESSON_SYSCALLS = ['pivot_root'] as const;

/**
 * mount(2)'s MS_REMOUNT flag. The sandbox's read-only mounts (the idmapped image directories
 * beneath its overlays, root-layer.ts) are made inside its own user namespace, so with
 * CAP_SYS_ADMIN there its root could unmount an overlay and remount the image read-write: it
 * would then be written as host root, for every session. mount(2) is therefore
 * allowed only without MS_REMOUNT; new mounts and propagation changes (what `unshare
 * --mount-proc` and the lessons do) need no remount, and the new mount API, which could clear
 * MOUNT_ATTR_RDONLY with mount_setattr, is refused already. A bind mount keeps its source's
 * read-only flag, so binding an image directory elsewhere gives nothing writable either.
 */
export const MS_REMOUNT = 0x20;

/** Socket families no lesson needs, among them AF_ALG (kernel crypto, page-cache bugs) and
 *  AF_VSOCK (host-guest sockets). */
export const DENIED_SOCKET_FAMILIES = { AF_ALG: 38, AF_VSOCK: 40 } as const;

/**
 * socket(2) is allowed only for address families below AF_ALG. That keeps everything a lesson
 * uses (unix, inet, inet6, netlink, packet) and shuts out AF_ALG, AF_VSOCK and the rarer families
 * above them. The comparison is on all 64 bits, so a family with high bits set (which the kernel
 * would truncate to an int) is refused too: Moby's "not AF_VSOCK" rule lets that through.
 */
export const SOCKET_FAMILY_LIMIT = DENIED_SOCKET_FAMILIES.AF_ALG;

const EPERM = 1;
const ENOSYS = 38;

function applies(rule: MobySeccompRule, capabilities: readonly string[], arch: string): boolean {
  const { includes = {}, excludes = {} } = rule;
  if (includes.caps && !includes.caps.every((cap) => capabilities.includes(cap))) return false;
  if (includes.arches && !includes.arches.includes(arch)) return false;
  if (excludes.caps?.some((cap) => capabilities.includes(cap))) return false;
  if (excludes.arches?.includes(arch)) return false;
  return true;
}

/**
 * Resolves `profile` for a process with `capabilities` on `architecture`, then applies Nestbox's
 * policy. Only the native architecture is listed: 32-bit and x32 system calls then fail the
 * architecture check and are refused outright, closing the compat syscall paths no lesson needs.
 */
export function compileSeccomp(
  profile: MobySeccompProfile,
  capabilities: readonly string[],
  architecture: SeccompArchitecture,
): OciSeccomp {
  // The denied syscalls are denied by leaving them out, so the default must be to deny.
  if (profile.defaultAction !== 'SCMP_ACT_ERRNO') {
    throw new Error('The seccomp profile must deny by default (defaultAction SCMP_ACT_ERRNO).');
  }
  const replaced = new Set<string>([
    ...DENIED_SYSCALLS,
    ...NEW_MOUNT_API_SYSCALLS,
    'socket',
    'mount',
  ]);
  const applying = profile.syscalls.filter((rule) =>
    applies(rule, capabilities, architecture.moby),
  );
  const allowsMount = applying.some(
    (rule) => rule.action === 'SCMP_ACT_ALLOW' && rule.names.includes('mount') && !rule.args,
  );
  const mountWithoutRemount: OciSeccompRule = {
    names: ['mount'],
    action: 'SCMP_ACT_ALLOW',
    args: [{ index: 3, value: MS_REMOUNT, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
  };
  const fromProfile = applying
    .map(({ names, action, errnoRet, args }): OciSeccompRule => ({
      names: names.filter((name) => !replaced.has(name)),
      action,
      ...(errnoRet === undefined ? {} : { errnoRet }),
      ...(args === undefined ? {} : { args }),
    }))
    .filter((rule) => rule.names.length > 0);
  return {
    defaultAction: profile.defaultAction,
    defaultErrnoRet: profile.defaultErrnoRet ?? EPERM,
    architectures: [architecture.scmp],
    syscalls: [
      ...fromProfile,
      { names: [...LESSON_SYSCALLS], action: 'SCMP_ACT_ALLOW' },
      {
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: SOCKET_FAMILY_LIMIT, op: 'SCMP_CMP_LT' }],
      },
      { names: [...NEW_MOUNT_API_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      ...(allowsMount ? [mountWithoutRemount] : []),
    ],
  };
}

/** Reads the profile shipped beside this module. */
export async function loadMobyProfile(): Promise<MobySeccompProfile> {
  const text = await readFile(new URL('./moby-seccomp.json', import.meta.url), 'utf8');
  return JSON.parse(text) as MobySeccompProfile;
}
