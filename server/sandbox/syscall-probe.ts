/**
 * Probing the seccomp filter from a shell inside a sandbox, for tests: each syscall is made with
 * invalid arguments through perl's syscall() (the image has no C compiler, and its python3-minimal
 * no ctypes). A denied call fails with EPERM or ENOSYS before the kernel looks at the arguments;
 * an allowed one gets as far as complaining about them (EFAULT, EBADF, EINVAL) or succeeds.
 */

export const EPERM = 1;
export const EBADF = 9;
export const EFAULT = 14;
export const EINVAL = 22;
export const ENOSYS = 38;

/** A name for reports, an x86_64 syscall number, and its (harmless, invalid) arguments. */
export type SyscallCase = [name: string, number: number, ...args: number[]];

/** Everything the profile must deny, each with arguments that would do nothing if it were not. */
export const DENIED_SYSCALLS: readonly SyscallCase[] = [
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

/** A shell command that makes each call and prints one `name<TAB>errno` line (0: it succeeded). */
export function syscallProbeScript(cases: readonly SyscallCase[]): string {
  const list = cases
    .map(([name, ...call]) => `["${name}", ${call.map((value) => String(value)).join(', ')}]`)
    .join(',\n');
  return `exec 2>&1; perl -e '
    for my $case (${list}) {
      my ($name, $number, @args) = @$case;
      $! = 0;
      my $result = syscall($number, @args);
      print "$name\\t", ($result == -1 ? $! + 0 : 0), "\\n";
    }'`;
}

/** The probe's output as name → errno, in the order the calls were made. */
export function parseSyscallProbe(stdout: string): Map<string, number> {
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
