/**
 * The sandbox's PID 1. Orphans of a PID namespace are handed to its first process, which must
 * reap them: until it does, each keeps counting against the sandbox's pids.max. bash is no such
 * reaper. It reaps only when it handles a SIGCHLD, and misses some when many children end at
 * once: after a fork bomb was killed, dozens of zombies sat in a learner's sandbox (in about
 * one run in five here) until one more SIGCHLD came, from some later command's child. And a
 * learner may `exec` anything in place of the shell.
 *
 * So the first process is our own small init (init/init.c, compiled into the image by
 * image.ts): it runs the given command as its child, in the terminal's foreground, reaps every
 * orphan, passes signals on, and exits with the command's status, which ends the namespace as
 * before. For a learner's first terminal it also starts a new shell when the last one was killed
 * by a signal (`kill -9 -1` in another tab): being PID 1, the init itself is out of reach of
 * such signals, so the session and its files survive where Debian's tini, used before, ended
 * with its shell.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SandboxError } from './errors.js';
import { cCompilerName, findExecutable } from './executables.js';

/** The init's source, which image.ts compiles into every image. */
export const INIT_SOURCE = fileURLToPath(new URL('./init/init.c', import.meta.url));

/** Where the init is in the image. */
export const INIT = '/usr/local/sbin/nestbox-init';

/** `argv` run under the init; with `respawn`, started again when a signal kills it. */
export function underInit(argv: readonly string[], options: { respawn?: boolean } = {}): string[] {
  return [INIT, ...(options.respawn ? ['--respawn'] : []), '--', ...argv];
}

/** Static, so that the init needs nothing of the image's libraries. */
const COMPILE_FLAGS = ['-static', '-O2', '-Wall', '-Wextra'];

/** A digest of how the init is built: an image built another way is stale (image.ts). */
export async function initBuildHash(source = INIT_SOURCE): Promise<string> {
  const hash = createHash('sha256').update(`${COMPILE_FLAGS.join(' ')}\0`);
  return `sha256:${hash.update(await readFile(source)).digest('hex')}`;
}

/** Compiles the init to `output`, with the host's C compiler (CC, or cc), as the console helper. */
export async function compileInit(output: string, source = INIT_SOURCE): Promise<void> {
  const compilerName = cCompilerName();
  const compiler = await findExecutable(compilerName);
  if (!compiler) {
    throw new SandboxError(
      'image-build-failed',
      `No C compiler ("${compilerName}") to build the sandbox's init with. ` +
        'Install one with: apt-get install -y gcc libc6-dev',
    );
  }
  try {
    await promisify(execFile)(compiler, [...COMPILE_FLAGS, '-o', output, source]);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? String(error);
    throw new SandboxError(
      'image-build-failed',
      `Compiling the sandbox's init (${source}) failed (when it cannot find -lc, the static C ` +
        `library is missing: apt-get install -y libc6-dev):\n${stderr.split('\n').slice(-20).join('\n')}`,
    );
  }
}
