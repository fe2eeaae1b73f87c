import { beforeAll, describe, expect, it } from 'vitest';
import type { OciSeccomp } from './oci.js';
import {
  compileSeccomp,
  DENIED_SOCKET_FAMILIES,
  DENIED_SYSCALLS,
  LESSON_SYSCALLS,
  MS_REMOUNT,
  loadMobyProfile,
  NEW_MOUNT_API_SYSCALLS,
  SECCOMP_ARCHITECTURES,
  type MobySeccompProfile,
} from './seccomp.js';
import { CAPABILITIES } from './spec.js';

const x64 = SECCOMP_ARCHITECTURES.x64;
let profile: MobySeccompProfile;
let filter: OciSeccomp;

beforeAll(async () => {
  profile = await loadMobyProfile();
  if (!x64) throw new Error('x64 is a supported architecture');
  filter = compileSeccomp(profile, CAPABILITIES, x64);
});

/** Names that some rule allows without conditions on arguments. */
function allowedOutright(seccomp: OciSeccomp): Set<string> {
  return new Set(
    seccomp.syscalls
      .filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && !rule.args)
      .flatMap((rule) => rule.names),
  );
}

function allowedAtAll(seccomp: OciSeccomp): Set<string> {
  return new Set(
    seccomp.syscalls.filter((rule) => rule.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names),
  );
}

describe("Moby's profile as data", () => {
  it('denies by default with EPERM', () => {
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(1);
  });

  it('has the everyday syscalls in its allow list', () => {
    const everyday = ['read', 'write', 'openat', 'execve', 'clone', 'wait4', 'mmap', 'socket'];
    const names = new Set(profile.syscalls.flatMap((rule) => rule.names));
    for (const name of everyday) expect(names).toContain(name);
  });

  it('allows namespace syscalls only with CAP_SYS_ADMIN', () => {
    const adminRule = profile.syscalls.find((rule) => rule.names.includes('unshare'));
    expect(adminRule?.includes?.caps).toEqual(['CAP_SYS_ADMIN']);
  });
});

describe('the compiled filter', () => {
  it('denies by default with EPERM, for the native architecture only', () => {
    expect(filter.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(filter.defaultErrnoRet).toBe(1);
    expect(filter.architectures).toEqual(['SCMP_ARCH_X86_64']);
  });

  it('allows what the namespace and container lessons need (CAP_SYS_ADMIN is in our set)', () => {
    const allowed = allowedOutright(filter);
    for (const name of [
      'unshare',
      'setns',
      'umount2',
      'pivot_root',
      'sethostname',
      'clone',
      'clone3',
      'chroot',
      'ptrace',
    ]) {
      expect(allowed, name).toContain(name);
    }
    expect(LESSON_SYSCALLS).toContain('pivot_root');
  });

  it('never allows a denied syscall, though CAP_SYS_ADMIN would allow bpf, perf and syslog', () => {
    const allowed = allowedAtAll(filter);
    for (const name of DENIED_SYSCALLS) expect(allowed, name).not.toContain(name);
    for (const name of ['keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open']) {
      expect(DENIED_SYSCALLS).toContain(name);
    }
    for (const name of ['userfaultfd', 'io_uring_setup', 'kexec_load', 'finit_module', 'acct']) {
      expect(DENIED_SYSCALLS).toContain(name);
    }
    expect(DENIED_SYSCALLS).toContain('open_by_handle_at');
  });

  it('never uses an explicit rule with the default action (libseccomp rejects those)', () => {
    for (const rule of filter.syscalls) {
      expect(
        rule.action === filter.defaultAction && (rule.errnoRet ?? 1) === filter.defaultErrnoRet,
      ).toBe(false);
    }
  });

  it('answers the new mount API with ENOSYS, so libmount falls back to mount(2)', () => {
    const rule = filter.syscalls.find((r) => r.names.includes('fsconfig'));
    expect(rule).toEqual({
      names: [...NEW_MOUNT_API_SYSCALLS],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    });
    expect(allowedAtAll(filter)).not.toContain('fsopen');
  });

  it('allows mount only without MS_REMOUNT, so no read-only mount can be made writable', () => {
    expect(allowedOutright(filter)).not.toContain('mount');
    expect(filter.syscalls.filter((rule) => rule.names.includes('mount'))).toEqual([
      {
        names: ['mount'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 3, value: MS_REMOUNT, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    expect(NEW_MOUNT_API_SYSCALLS).toContain('mount_setattr');
  });

  it('allows socket only for families below AF_ALG, comparing all 64 bits', () => {
    const rules = filter.syscalls.filter((rule) => rule.names.includes('socket'));
    expect(rules).toEqual([
      {
        names: ['socket'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: DENIED_SOCKET_FAMILIES.AF_ALG, op: 'SCMP_CMP_LT' }],
      },
    ]);
    expect(DENIED_SOCKET_FAMILIES.AF_VSOCK).toBeGreaterThan(DENIED_SOCKET_FAMILIES.AF_ALG);
  });

  it('keeps only rules for this architecture and capability set', () => {
    const allowed = allowedAtAll(filter);
    expect(allowed).toContain('arch_prctl'); // amd64 only
    expect(allowed).not.toContain('s390_runtime_instr');
    expect(allowed).not.toContain('reboot'); // needs CAP_SYS_BOOT
    expect(allowed).not.toContain('settimeofday'); // needs CAP_SYS_TIME
    expect(allowed).not.toContain('init_module'); // needs CAP_SYS_MODULE, and denied anyway
    // Rules for processes without CAP_SYS_ADMIN (clone flag masks, clone3 ENOSYS) are gone.
    expect(filter.syscalls.some((rule) => rule.names.includes('clone') && rule.args)).toBe(false);
  });

  it('resolves arm64 rules on arm64', () => {
    const arm64 = SECCOMP_ARCHITECTURES.arm64;
    if (!arm64) throw new Error('arm64 is a supported architecture');
    const arm = compileSeccomp(profile, CAPABILITIES, arm64);
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64']);
    expect(allowedAtAll(arm)).toContain('set_tls');
    expect(allowedAtAll(arm)).not.toContain('arch_prctl');
  });

  it('without CAP_SYS_ADMIN, keeps Moby’s clone restrictions and denies unshare', () => {
    if (!x64) throw new Error('x64 is a supported architecture');
    const plain = compileSeccomp(
      profile,
      CAPABILITIES.filter((cap) => cap !== 'CAP_SYS_ADMIN'),
      x64,
    );
    expect(allowedAtAll(plain)).not.toContain('unshare');
    expect(plain.syscalls.find((rule) => rule.names.includes('clone3'))?.errnoRet).toBe(38);
  });

  it('refuses a profile that allows by default', () => {
    if (!x64) throw new Error('x64 is a supported architecture');
    expect(() =>
      compileSeccomp({ ...profile, defaultAction: 'SCMP_ACT_ALLOW' }, CAPABILITIES, x64),
    ).toThrow(/deny by default/);
  });
});
