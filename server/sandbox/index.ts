/**
 * The sandbox module's public face: open a host, create sandboxes, run their shell (via the
 * argv this returns), exec commands in them, and destroy them. It knows Linux, crun and cgroups,
 * and nothing of WebSockets, ptys, Next or scenarios (design.md §3).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { detectCgroupLayout, type CgroupLayout } from './cgroups.js';
import { SandboxError } from './errors.js';
import { findExecutable } from './executables.js';
import { IdRangeAllocator, type IdRange } from './ids.js';
import { imageStatus } from './image.js';
import { relayPath } from './relay-path.js';
import {
  listContainers,
  removeContainer,
  runRuntime,
  runtimeArgv,
  RuntimeTimeoutError,
  RUNTIME_ENV,
  type RuntimeConfig,
} from './runtime.js';
import { buildSpec, type SandboxLimits } from './spec.js';

export { SandboxError } from './errors.js';
export type { SandboxLimits } from './spec.js';
export { cgroupDirs, cgroupFile, type CgroupLayout } from './cgroups.js';
export type { IdRange } from './ids.js';

export interface SandboxHostConfig {
  /** Holds the cached image (see image.ts). */
  dataDir: string;
  /** Holds bundles, console sockets and crun's state; a tmpfs such as /run is ideal. */
  runDir: string;
  crunPath: string;
  hostname: string;
  limits: SandboxLimits;
  /** First host uid of the id ranges handed to sandboxes. */
  idBase: number;
  /** Most sandboxes alive at once; also the number of id ranges reserved. */
  maxSandboxes: number;
  maskProc: boolean;
}

/** A program to run, with its arguments and its complete environment. */
export interface CommandLine {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface SandboxOptions {
  /** The sandbox's first process; a login shell by default. */
  command?: readonly string[];
  /** True when the command gets a terminal (run `start` in a pty); false to inherit stdio. */
  terminal: boolean;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  readonly id: string;
  /** The sandbox's cgroup, relative to the cgroup root (see cgroups.ts cgroupDirs). */
  readonly cgroupPath: string;
  /** Container root's host uid and gid; the next ids up to `size` belong to it too. */
  readonly idRange: IdRange;
  /** Starts the sandbox and runs its first process in the foreground, until it exits. */
  readonly start: CommandLine;
  /**
   * The command line that runs `argv` beside the first process (an extra terminal tab): in a
   * pty of the sandbox's own, relayed like `start`, when `terminal` is true.
   */
  execStart(argv: readonly string[], options: { terminal: boolean }): CommandLine;
  /** Runs a command beside the first process; the sandbox must be running. */
  exec(argv: readonly string[], options?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Kills every process, removes cgroups and the bundle. Safe to call more than once. */
  destroy(): Promise<void>;
}

export interface SandboxHost {
  readonly layout: CgroupLayout;
  create(options: SandboxOptions): Promise<Sandbox>;
  /** Destroys every sandbox this host created and has not destroyed yet. */
  dispose(): Promise<void>;
}

const CONTAINER_PREFIX = 'nestbox-';
const ID_RANGE_SIZE = 65536;
/** Every sandbox's cgroup sits under this one, relative to the root, so they are capped together. */
const PARENT_CGROUP = 'nestbox';
const EXEC_OUTPUT_LIMIT_BYTES = 1024 * 1024;
/** Top-level image directories that hold real files (the rest are symlinks or mount points). */
const IDMAPPED_DIRS = ['etc', 'usr', 'var', 'opt', 'home', 'srv'];
const SECCOMP_ARCHITECTURES: Record<string, string[]> = {
  x64: ['SCMP_ARCH_X86_64'],
  arm64: ['SCMP_ARCH_AARCH64'],
};

/** Checks that everything a sandbox needs is present, reaps leftovers, and returns a host. */
export async function openSandboxHost(config: SandboxHostConfig): Promise<SandboxHost> {
  const layout = await detectCgroupLayout();
  if (!layout) {
    throw new SandboxError(
      'cgroups-unsupported',
      'No cgroup filesystem is mounted at /sys/fs/cgroup, so limits cannot be enforced. ' +
        'Run Nestbox on a Linux host with cgroups (any systemd host has them).',
    );
  }
  const crunPath = await findExecutable(config.crunPath);
  if (!crunPath) {
    throw new SandboxError(
      'runtime-missing',
      `The OCI runtime "${config.crunPath}" was not found. Install it with: apt-get install -y crun`,
    );
  }
  const relay = relayPath();
  if (!(await findExecutable(relay))) {
    throw new SandboxError(
      'relay-missing',
      `The console relay ${relay} is not built. Install a C compiler (apt-get install -y gcc) ` +
        'and run: npm run build:relay',
    );
  }
  const image = await imageStatus(config.dataDir);
  if (!image.ready) {
    throw new SandboxError(
      'image-missing',
      `The sandbox image is not ready (${image.reason ?? 'unknown'}). Build it with: npx nestbox image build`,
    );
  }
  const architectures = SECCOMP_ARCHITECTURES[process.arch];
  if (!architectures) {
    throw new SandboxError('start-failed', `Unsupported CPU architecture ${process.arch}.`);
  }

  const runtime: RuntimeConfig = { crunPath, stateDir: join(config.runDir, 'crun'), layout };
  await mkdir(runtime.stateDir, { recursive: true, mode: 0o700 });
  await reapLeftovers(runtime, join(config.runDir, 'bundles'));

  const ids = new IdRangeAllocator(config.idBase, ID_RANGE_SIZE, config.maxSandboxes);
  const live = new Set<Sandbox>();

  async function create(options: SandboxOptions): Promise<Sandbox> {
    const idRange = ids.allocate();
    if (!idRange) {
      throw new SandboxError('capacity', `All ${config.maxSandboxes} sandboxes are in use.`);
    }
    const id = `${CONTAINER_PREFIX}${randomBytes(8).toString('hex')}`;
    const bundle = join(config.runDir, 'bundles', id);
    const cgroupPath = `${PARENT_CGROUP}/${id}`;
    try {
      await mkdir(bundle, { recursive: true, mode: 0o700 });
      const spec = buildSpec({
        rootfs: image.rootfs,
        idmappedDirs: IDMAPPED_DIRS,
        hostname: config.hostname,
        args: options.command ?? ['/bin/bash', '--login'],
        terminal: options.terminal,
        idRange,
        cgroupsPath: cgroupPath,
        limits: config.limits,
        maskProc: config.maskProc,
        seccompArchitectures: architectures ?? [],
      });
      await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    } catch (error) {
      ids.release(idRange);
      throw new SandboxError('start-failed', `Cannot prepare sandbox bundle ${bundle}.`, {
        cause: error,
      });
    }

    const consoleSocket = join(bundle, 'console.sock');
    const argv = options.terminal
      ? [
          relay,
          consoleSocket,
          '--',
          ...runtimeArgv(runtime, [
            'run',
            '--console-socket',
            consoleSocket,
            '--bundle',
            bundle,
            id,
          ]),
        ]
      : runtimeArgv(runtime, ['run', '--bundle', bundle, id]);
    const [file, ...args] = argv;

    let destroyed: Promise<void> | undefined;
    const sandbox: Sandbox = {
      id,
      cgroupPath,
      idRange,
      start: { file: file ?? relay, args, env: RUNTIME_ENV },
      execStart(command, execOptions) {
        const execArgs = ['exec', '--cwd', '/root', ...(execOptions.terminal ? ['--tty'] : [])];
        if (!execOptions.terminal) {
          const [execFile = runtime.crunPath, ...rest] = runtimeArgv(runtime, [
            ...execArgs,
            id,
            ...command,
          ]);
          return { file: execFile, args: rest, env: RUNTIME_ENV };
        }
        // Each tab gets its own socket: several may be starting at once.
        const socket = join(bundle, `exec-${randomBytes(4).toString('hex')}.sock`);
        return {
          file: relay,
          args: [
            socket,
            '--',
            ...runtimeArgv(runtime, [...execArgs, '--console-socket', socket, id, ...command]),
          ],
          env: RUNTIME_ENV,
        };
      },
      exec: (command, execOptions) => execIn(runtime, id, command, execOptions?.timeoutMs),
      destroy() {
        destroyed ??= (async () => {
          try {
            await removeContainer(runtime, id, cgroupPath);
          } finally {
            await rm(bundle, { recursive: true, force: true });
            ids.release(idRange);
            live.delete(sandbox);
          }
        })();
        return destroyed;
      },
    };
    live.add(sandbox);
    return sandbox;
  }

  return {
    layout,
    create,
    async dispose() {
      await Promise.allSettled([...live].map((sandbox) => sandbox.destroy()));
    },
  };
}

/** Removes containers and bundles left by a previous server that died without cleaning up. */
async function reapLeftovers(runtime: RuntimeConfig, bundlesDir: string): Promise<void> {
  const leftovers = (await listContainers(runtime)).filter((id) => id.startsWith(CONTAINER_PREFIX));
  await Promise.allSettled(
    leftovers.map((id) => removeContainer(runtime, id, `${PARENT_CGROUP}/${id}`)),
  );
  await rm(bundlesDir, { recursive: true, force: true });
  await mkdir(bundlesDir, { recursive: true, mode: 0o700 });
}

async function execIn(
  runtime: RuntimeConfig,
  id: string,
  command: readonly string[],
  timeoutMs = 15_000,
): Promise<ExecResult> {
  try {
    return await runRuntime(runtime, ['exec', id, ...command], {
      timeoutMs,
      maxOutputBytes: EXEC_OUTPUT_LIMIT_BYTES,
    });
  } catch (error) {
    if (error instanceof RuntimeTimeoutError) {
      throw new SandboxError('exec-timeout', `Command timed out after ${timeoutMs} ms.`);
    }
    throw new SandboxError('exec-failed', `Cannot exec in sandbox ${id}.`, { cause: error });
  }
}
