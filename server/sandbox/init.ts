/**
 * The sandbox's PID 1. Orphans of a PID namespace are handed to its first process, which must
 * reap them: until it does, each keeps counting against the sandbox's pids.max. bash is no such
 * reaper. It reaps only when it handles a SIGCHLD, and misses some when many children end at
 * once: after a fork bomb was killed, dozens of zombies sat in a learner's sandbox (in about
 * one run in five here) until one more SIGCHLD came, from some later command's child. And a
 * learner may `exec` anything in place of the shell.
 *
 * So the first process is Debian's tini (in the image): it runs the given command as its only
 * child, in a process group of its own that it makes the terminal's foreground, reaps every
 * orphan (on SIGCHLD, and once a second besides), passes signals on to the command, and exits
 * with its status, which ends the namespace as before.
 */
export const INIT = '/usr/bin/tini';

/** `argv` run under the init. */
export function underInit(argv: readonly string[]): string[] {
  return [INIT, '--', ...argv];
}
