/**
 * The seccomp filter from inside a real sandbox: every denied syscall is probed with invalid
 * arguments (see syscall-probe.ts), and the calls the lessons need must reach the kernel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DENIED_SYSCALLS,
  ENOSYS,
  EPERM,
  parseSyscallProbe,
  syscallProbeScript,
  type SyscallCase,
} from './syscall-probe.js';
import { openTestHost, runScript, type TestHost } from './test-helpers.js';

let test: TestHost;

beforeAll(async () => {
  test = await openTestHost('seccomp', 4);
});

afterAll(async () => {
  await test.close();
});

const ALLOWED: SyscallCase[] = [
  ['socket(AF_INET)', 41, 2, 1, 0],
  ['socket(AF_NETLINK)', 41, 16, 3, 0],
  ['unshare', 272, 0x1],
  ['setns', 308, -1, 0],
  ['mount', 165, 0, 0, 0, 0, 0],
  ['umount2', 166, 0, 0],
  ['pivot_root', 155, 0, 0],
  ['sethostname', 170, 0, 5],
  ['chroot', 161, 0],
];

async function probe(cases: readonly SyscallCase[]): Promise<Map<string, number>> {
  const { code, stdout } = await runScript(test.host, syscallProbeScript(cases));
  expect(code).toBe(0);
  return parseSyscallProbe(stdout);
}

describe('inside a sandbox', () => {
  it('denies each denied syscall with EPERM or ENOSYS', async () => {
    const errnos = await probe(DENIED_SYSCALLS);
    expect([...errnos.keys()]).toEqual(DENIED_SYSCALLS.map(([name]) => name));
    for (const [name, errno] of errnos) {
      expect([EPERM, ENOSYS], `${name} gave errno ${errno}`).toContain(errno);
    }
  });

  it('lets the lesson syscalls reach the kernel', async () => {
    const errnos = await probe(ALLOWED);
    expect([...errnos.keys()]).toEqual(ALLOWED.map(([name]) => name));
    for (const [name, errno] of errnos) {
      expect([EPERM, ENOSYS], `${name} gave errno ${errno}`).not.toContain(errno);
    }
  });

  it('runs the namespace tools the lessons use', async () => {
    const { code, stdout } = await runScript(
      test.host,
      'unshare -m sh -c "mount -t tmpfs none /mnt && echo mounted" && ' +
        'unshare -u sh -c "hostname inner && hostname" && hostname && ' +
        'unshare -n ip -o link | wc -l',
    );
    expect(stdout.trim().split('\n')).toEqual(['mounted', 'inner', 'nestbox', '1']);
    expect(code).toBe(0);
  });

  it('cannot make the shared image beneath the writable root writable by remounting it', async () => {
    // The root and its overlays are the sandbox's own layer; beneath /usr and /etc lies the
    // idmapped image, read-only. Unmounting the overlay (lazily: the shell runs from /usr)
    // bares it: it must stay read-only whether remounted in place or bound elsewhere.
    const { stdout } = await runScript(
      test.host,
      'for dir in / /usr /etc; do mount -o remount,bind,rw "$dir" 2>/dev/null && echo "$dir"; ' +
        'done; umount -l /usr /etc && for dir in /usr /etc; do ' +
        'mount -o remount,bind,rw "$dir" 2>/dev/null && echo "$dir"; done; ' +
        'mount --bind /usr /mnt && touch /mnt/x 2>&1; touch /usr/x /etc/x 2>&1; echo end',
    );
    expect(stdout).not.toMatch(/^\/(usr|etc)?$/m);
    expect(stdout).toMatch(/\/mnt\/x.: Read-only file system/);
    expect(stdout).toMatch(/\/usr\/x.: Read-only file system/);
    expect(stdout).toMatch(/\/etc\/x.: Read-only file system/);
    expect(stdout.trim().endsWith('end')).toBe(true);
  });
});
