/**
 * The seccomp filter from inside a real sandbox: every denied syscall is probed with invalid
 * arguments (perl's syscall(), since the image has no C compiler). A denied one fails with
 * EPERM or ENOSYS before the kernel looks at the arguments; an allowed one gets as far as
 * complaining about them (EFAULT, EBADF, EINVAL) or succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestHost, runScript, type TestHost } from './test-helpers.js';

let test: TestHost;

beforeAll(async () => {
  test = await openTestHost('seccomp', 4);
});

afterAll(async () => {
  await test.close();
});

const EPERM = 1;
const ENOSYS = 38;

/** x86_64 syscall numbers, with harmless invalid arguments. */
const DENIED: [string, number, ...number[]][] = [
  ['keyctl', 250, 0, 0, 0],
  ['add_key', 248, 0, 0, 0, 0, 0],
  ['request_key', 249, 0, 0, 0, 0],
  ['bpf', 321, 0, 0, 0],
  ['perf_event_open', 298, 0, 0, -1, -1, 0],
  ['userfaultfd', 323, 0],
  ['io_uring_setup', 425, 0, 0],
  ['io_uring_enter', 426, -1, 0, 0, 0, 0],
  ['io_uring_register', 427, -1, 0, 0, 0],
  ['kexec_load', 246, 0, 0, 0, 0],
  ['kexec_file_load', 320, -1, -1, 0, 0, 0],
  ['init_module', 175, 0, 0, 0],
  ['finit_module', 313, -1, 0, 0],
  ['delete_module', 176, 0, 0],
  ['open_by_handle_at', 304, -1, 0, 0],
  ['acct', 163, 0],
  ['syslog', 103, 3, 0, 0],
  ['fsopen', 430, 0, 0],
  // MS_REMOUNT (0x20): a read-only mount stays read-only.
  ['mount(MS_REMOUNT)', 165, 0, 0, 0, 0x20, 0],
  ['socket(AF_ALG)', 41, 38, 5, 0],
  ['socket(AF_VSOCK)', 41, 40, 1, 0],
  // AF_INET with a high bit set: the kernel would truncate it to AF_INET; the filter refuses.
  ['socket(AF_INET | 1<<32)', 41, 2 + 2 ** 32, 1, 0],
];

const ALLOWED: [string, number, ...number[]][] = [
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

async function probe(cases: [string, number, ...number[]][]): Promise<Map<string, number>> {
  const calls = cases
    .map(([name, ...call]) => `["${name}", ${call.map((value) => String(value)).join(', ')}]`)
    .join(',\n');
  const script = `perl -e '
    for my $case (${calls}) {
      my ($name, $number, @args) = @$case;
      $! = 0;
      my $result = syscall($number, @args);
      print "$name\\t", ($result == -1 ? $! + 0 : 0), "\\n";
    }'`;
  const { code, stdout } = await runScript(test.host, script);
  expect(code).toBe(0);
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name = '', errno = ''] = line.split('\t');
        return [name, Number(errno)] as const;
      }),
  );
}

describe('inside a sandbox', () => {
  it('denies each denied syscall with EPERM or ENOSYS', async () => {
    const errnos = await probe(DENIED);
    expect([...errnos.keys()]).toEqual(DENIED.map(([name]) => name));
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

  it('cannot make the root or the shared image writable by remounting them', async () => {
    const { stdout } = await runScript(
      test.host,
      'for dir in / /usr /etc; do mount -o remount,bind,rw "$dir" 2>/dev/null && echo "$dir"; ' +
        'done; mount --bind /usr /mnt && touch /mnt/x 2>&1; touch /x /usr/x 2>&1; echo end',
    );
    expect(stdout).not.toMatch(/^\/(usr|etc)?$/m);
    expect(stdout).toMatch(/\/mnt\/x.: Read-only file system/);
    expect(stdout).toMatch(/'\/x': Read-only file system/);
    expect(stdout).toMatch(/\/usr\/x.: Read-only file system/);
    expect(stdout.trim().endsWith('end')).toBe(true);
  });
});
