/**
 * How Nestbox invokes the OCI runtime (crun). Every call goes through `runtimeArgv`, so the
 * hybrid-cgroup workaround and our private state directory apply to run, exec, kill and delete
 * alike.
 */
import { execFile } from 'node:child_process';
import type { CgroupLayout } from './cgroups.js';

export interface RuntimeConfig {
  /** The crun executable: a path, or a name looked up in PATH. */
  crunPath: string;
  /** crun's --root: a state directory of our own, so we only ever see our own containers. */
  stateDir: string;
  layout: CgroupLayout;
}

/**
 * Shell run in crun's private mount namespace before crun starts, as host root: what it mounts
 * there is seen by crun (and copied into the container's mount namespace) but never by the host,
 * and goes when the last process in it exits. `script` reads its arguments as "$1", "$2"...
 */
export interface PrivateSetup {
  script: string;
  args: readonly string[];
}

/**
 * crun 1.8 refuses to run on a hybrid host ("cgroups in hybrid mode not supported") because the
 * unified tree is mounted. Running it in a private mount namespace with that tree unmounted makes
 * it see plain v1 (design.md §4). The unmount never touches the host's own mount table.
 */
const HYBRID_STEP = 'umount /sys/fs/cgroup/unified';

/** `$0` of the wrapper shell, which names it in `ps` and in its error messages. */
const WRAPPER_NAME = 'nestbox-crun';

/**
 * crun's command line: direct, or in a private mount namespace when the host is hybrid or there
 * are `setups` to run there first. Each setup reads its own arguments as "$1", "$2"..., which are
 * shifted off before the next one runs.
 */
export function runtimeArgv(
  config: RuntimeConfig,
  args: readonly string[],
  setups: readonly PrivateSetup[] = [],
): string[] {
  const crun = [config.crunPath, '--root', config.stateDir, '--cgroup-manager=cgroupfs', ...args];
  const steps = [
    ...(config.layout === 'hybrid' ? [HYBRID_STEP] : []),
    ...setups.flatMap((setup) => [setup.script, `shift ${setup.args.length}`]),
  ];
  if (steps.length === 0) return crun;
  const script = [...steps, 'exec "$@"'].join(' && ');
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    '/bin/sh',
    '-c',
    script,
    WRAPPER_NAME,
    ...setups.flatMap((setup) => setup.args),
    ...crun,
  ];
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * crun and its wrapper need nothing of the server's environment, so they get none of it.
 * (Next.js declares NODE_ENV as always present in ProcessEnv; a child process needs no such thing.)
 */
export const RUNTIME_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
} as unknown as NodeJS.ProcessEnv;

export class RuntimeTimeoutError extends Error {
  override readonly name = 'RuntimeTimeoutError';
}

/**
 * Runs one crun subcommand to completion with bounded output and time. A non-zero exit is a
 * result, not an error; a timeout (the process is SIGKILLed) rejects with RuntimeTimeoutError.
 */
export function runRuntime(
  config: RuntimeConfig,
  args: readonly string[],
  { timeoutMs = 10_000, maxOutputBytes = 1024 * 1024 } = {},
): Promise<CommandResult> {
  const [file = config.crunPath, ...rest] = runtimeArgv(config, args);
  return new Promise((resolve, reject) => {
    execFile(
      file,
      rest,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: maxOutputBytes,
        env: RUNTIME_ENV,
      },
      (error, stdout, stderr) => {
        if (error?.killed) reject(new RuntimeTimeoutError(`timed out after ${timeoutMs} ms`));
        else if (error && typeof error.code !== 'number')
          reject(new Error(error.message, { cause: error }));
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Ids of every container in our state directory, running or stopped. */
export async function listContainers(config: RuntimeConfig): Promise<string[]> {
  const result = await runRuntime(config, ['list', '--quiet']);
  if (result.code !== 0) return [];
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}
