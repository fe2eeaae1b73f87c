/**
 * How a sandbox's shell makes the pty that nestbox-console handed over (console/console.c) its
 * controlling terminal: without one, bash has no job control (no Ctrl-C to the foreground job,
 * no Ctrl-Z, no `fg`). The kernel gives a session leader that has no controlling terminal the
 * first terminal it opens; TIOCSCTTY does the same explicitly. Both run inside the sandbox, as
 * its root, with the image's own tools.
 */
import type { OciMount } from './oci.js';
import type { PrivateSetup } from './runtime.js';

/**
 * The first process: `crun run` made it a session leader, so opening the pty again (as
 * /dev/console, see consoleMount) makes it the controlling terminal. `sh` then execs `argv`,
 * the init (init.ts), which stays pid 1 and session leader, and runs the shell in the terminal's
 * foreground. The order matters: only a session leader gains a terminal by opening it.
 */
export function firstProcessArgs(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', 'exec "$@" <>/dev/console >&0 2>&0', 'sh', ...argv];
}

/**
 * A tab: `crun exec` leaves its process in a session of crun's, so util-linux `setsid` starts a
 * new one with stdin as its controlling terminal (--ctty), and waits for the shell so that crun
 * exec, and so the tab, ends with its exit status. A tab's pty has no name in the sandbox (it
 * is in no /dev there: a bind mount cannot be added to a running sandbox), so `tty` in a tab
 * says "not a tty"; job control, signals and resize work as in the first terminal.
 */
export function tabArgs(argv: readonly string[]): string[] {
  return ['/usr/bin/setsid', '--ctty', '--wait', ...argv];
}

/**
 * Binds the pty at `file` (in the bundle) in crun's private mount namespace, where the wrapper's
 * stdin is the pty: crun cannot bind the pty's own path, which belongs to the host's mount
 * namespace, but can bind this. CONSOLE_MOUNT takes it into the sandbox.
 */
export function bindConsole(file: string): PrivateSetup {
  return { script: ': > "$1" && mount --bind "$(tty)" "$1"', args: [file] };
}

/**
 * The pty (bound by bindConsole) at /dev/console. The shell opens it there (firstProcessArgs),
 * so `tty` and anything else that names its terminal (tmux, screen) finds it, as with crun's own
 * console.
 */
export function consoleMount(file: string): OciMount {
  return {
    destination: '/dev/console',
    type: 'bind',
    source: file,
    options: ['bind', 'nosuid', 'noexec'],
  };
}
