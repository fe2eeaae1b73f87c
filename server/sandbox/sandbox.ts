/**
 * One sandbox: its bundle, its cgroup, its uid range, and the operations on it. Creating one
 * prepares everything but starts nothing; the caller runs `start` (in a pty, or not).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { delegateV1, removeCgroupTree } from './cgroup-tree.js';
import { SandboxError } from './errors.js';
import { bindConsole, tabArgs } from './controlling-terminal.js';
import type { CpuPlacement } from './cpu-placement.js';
import { execProcess, ExecTimeoutError, runExec, type ExecResult } from './exec.js';
import type { IdRange, IdRangeAllocator } from './ids.js';
import { tightenLimits, type SandboxLimits } from './limits.js';
import type { OciProcess } from './oci.js';
import { ensureParentHasRoom } from './parent-cgroup.js';
import type { ResourceHost } from './resources.js';
import { runtimeArgv, RUNTIME_ENV } from './runtime.js';
import type { MobySeccompProfile, SeccompArchitecture } from './seccomp.js';
import { TRAVERSE_ONLY, type SkeletonPlan } from './skeleton.js';
import { buildSpec } from './spec.js';
import { makeRootLayerTemplate, mountRootLayer, rootLayerPaths, rootLayout } from './root-layer.js';
import type { RootfsProvider } from './rootfs.js';
import { readStats, type SandboxStats } from './stats.js';
import { tearDown, type TeardownContext } from './teardown.js';

/** A program to run, with its arguments and its complete environment. */
export interface CommandLine {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface SandboxOptions {
  /** The sandbox's first process, run under its init (init.ts); a login shell by default. */
  command?: readonly string[];
  /** True when the command gets a terminal (run `start` in a pty); false to inherit stdio. */
  terminal: boolean;
  /** Tighter limits for this sandbox (a scenario's). Asking for more than the host's limits
   *  is a SandboxError with code `limit-raised`. */
  limits?: Partial<SandboxLimits>;
}

export interface ExecOptions {
  /** Default 15 000 ms; the command is killed after it. */
  timeoutMs?: number;
  /** Bytes kept of stdout and of stderr each; the rest is dropped. Default 1 MiB. */
  maxOutputBytes?: number;
}

export interface Sandbox {
  readonly id: string;
  /** The sandbox's cgroup, relative to the cgroup root (see cgroups.ts cgroupDirs). */
  readonly cgroupPath: string;
  /** Container root's host uid and gid; the next ids up to `size` belong to it too. */
  readonly idRange: IdRange;
  /** The limits in force: the host's, tightened by SandboxOptions.limits. */
  readonly limits: SandboxLimits;
  /** Starts the sandbox and runs its first process in the foreground, until it exits. */
  readonly start: CommandLine;
  /**
   * The command line that runs `argv` beside the first process (an extra terminal tab): run in
   * a pty when `terminal` is true, which the command then has as its terminal, like `start`'s.
   * The sandbox must be running.
   */
  execStart(argv: readonly string[], options: { terminal: boolean }): CommandLine;
  /** Runs a command beside the first process, to completion; the sandbox must be running. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Current usage from the sandbox's cgroup: a few small file reads. */
  stats(): Promise<SandboxStats>;
  /** Kills every process, removes cgroups and the bundle. Safe to call more than once. */
  destroy(): Promise<void>;
}

/** What a host knows that each of its sandboxes needs. */
export interface SandboxContext extends TeardownContext {
  /** The nestbox-console helper (console/console.c). */
  console: string;
  rootfs: RootfsProvider;
  /** The image's top level, which every sandbox's root (skeleton.ts) mirrors. */
  skeleton: SkeletonPlan;
  bundlesDir: string;
  /** The parent cgroup, relative to the cgroup root. */
  parent: string;
  hostname: string;
  limits: SandboxLimits;
  maskProc: boolean;
  resourceHost: ResourceHost;
  seccomp: { profile: MobySeccompProfile; architecture: SeccompArchitecture };
  ids: IdRangeAllocator;
  maxSandboxes: number;
  live: Set<Sandbox>;
  /** Pins each sandbox to CPUs of its own; absent when sandboxes may run on any of them. */
  cpus?: CpuPlacement;
}

export const CONTAINER_PREFIX = 'nestbox-';
const EXEC_TIMEOUT_MS = 15_000;
const EXEC_OUTPUT_LIMIT_BYTES = 1024 * 1024;

function destroyedError(id: string): SandboxError {
  return new SandboxError('destroyed', `Sandbox ${id} has been destroyed.`);
}

/**
 * The command line that runs `runtime` (crun run or exec) in the pty node-pty gives it, handed to
 * the sandbox by nestbox-console: the pty becomes the sandbox root's (its host ids) and no longer
 * node-pty's child's controlling terminal, so that the shell can take it (controlling-terminal.ts).
 */
function handOverPty(consoleHelper: string, ids: IdRange, runtime: readonly string[]): string[] {
  return [consoleHelper, String(ids.hostId), String(ids.hostId), '--', ...runtime];
}

/**
 * Writes the process spec for a tab, named by its content: tabs that run the same command share
 * one file, so opening and closing tabs never piles files up in the bundle.
 */
function tabProcessFile(bundle: string, spec: OciProcess): string {
  const json = JSON.stringify(spec);
  const name = createHash('sha256').update(json).digest('hex').slice(0, 16);
  const file = join(bundle, `tab-${name}.json`);
  if (!existsSync(file)) writeFileSync(file, json, { mode: 0o600 });
  return file;
}

export async function createSandbox(
  context: SandboxContext,
  options: SandboxOptions,
): Promise<Sandbox> {
  const { runtime, layout, hierarchies } = context;
  const asked = tightenLimits(context.limits, options.limits);
  await ensureParentHasRoom(layout, context.parent);
  const idRange = context.ids.allocate();
  if (!idRange) {
    throw new SandboxError(
      'capacity',
      `All ${context.maxSandboxes} sandboxes are in use. Try again when a session ends, or ` +
        'raise NESTBOX_MAX_SESSIONS.',
    );
  }
  const cpus = context.cpus?.place(asked);
  const limits = cpus ? { ...asked, cpuset: cpus.cpuset } : asked;
  const id = `${CONTAINER_PREFIX}${randomBytes(8).toString('hex')}`;
  const bundle = join(context.bundlesDir, id);
  const cgroupPath = `${context.parent}/${id}`;
  const rootLayer = rootLayerPaths(bundle);
  const consoleFile = options.terminal ? join(bundle, 'console') : undefined;
  let spec: ReturnType<typeof buildSpec>;
  try {
    // Traversable for the skeleton root inside (skeleton.ts); every file in it is 0600.
    await mkdir(bundle, { recursive: true, mode: TRAVERSE_ONLY });
    const [lower] = await Promise.all([
      context.rootfs.acquire(idRange),
      makeRootLayerTemplate(rootLayer, context.skeleton, idRange),
    ]);
    spec = buildSpec({
      root: rootLayout(rootLayer, context.skeleton.imageDirs, lower),
      hostname: context.hostname,
      args: options.command ?? ['/bin/bash', '--login'],
      // A learner's session outlives a killed login shell, which the init starts again; a given
      // command (nestbox shell -- CMD, scenario scripts) ends the sandbox with its exact status.
      respawn: options.command === undefined && consoleFile !== undefined,
      ...(consoleFile === undefined ? {} : { console: consoleFile }),
      idRange,
      cgroupsPath: cgroupPath,
      limits,
      cgroups: context.resourceHost,
      maskProc: context.maskProc,
      seccomp: context.seccomp,
    });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec), { mode: 0o600 });
    if (layout !== 'v2') await delegateV1(hierarchies, cgroupPath, idRange.hostId);
  } catch (error) {
    await Promise.all(
      hierarchies.map((hierarchy) => removeCgroupTree(`${hierarchy}/${cgroupPath}`)),
    );
    await rm(bundle, { recursive: true, force: true });
    await context.rootfs.release(idRange);
    context.ids.release(idRange);
    cpus?.release();
    if (error instanceof SandboxError) throw error;
    throw new SandboxError('start-failed', `Cannot prepare sandbox ${id}.`, { cause: error });
  }

  const run = runtimeArgv(
    runtime,
    ['run', '--bundle', bundle, id],
    [
      mountRootLayer(rootLayer, limits),
      ...(consoleFile === undefined ? [] : [bindConsole(consoleFile)]),
    ],
  );
  const [file = runtime.crunPath, ...args] =
    consoleFile === undefined ? run : handOverPty(context.console, idRange, run);

  let destroyed: Promise<void> | undefined;
  const sandbox: Sandbox = {
    id,
    cgroupPath,
    idRange,
    limits,
    start: { file, args, env: RUNTIME_ENV },
    execStart(argv, execOptions) {
      if (destroyed) throw destroyedError(id);
      const processFile = tabProcessFile(
        bundle,
        execProcess(spec.process, execOptions.terminal ? tabArgs(argv) : argv),
      );
      const exec = runtimeArgv(runtime, ['exec', '--process', processFile, id]);
      const [execFile = runtime.crunPath, ...rest] = execOptions.terminal
        ? handOverPty(context.console, idRange, exec)
        : exec;
      return { file: execFile, args: rest, env: RUNTIME_ENV };
    },
    async exec(argv, execOptions = {}) {
      if (destroyed) throw destroyedError(id);
      const timeoutMs = execOptions.timeoutMs ?? EXEC_TIMEOUT_MS;
      const name = `exec-${randomBytes(6).toString('hex')}`;
      const processFile = join(bundle, `${name}.json`);
      const pidFile = join(bundle, `${name}.pid`);
      try {
        await writeFile(processFile, JSON.stringify(execProcess(spec.process, argv)), {
          mode: 0o600,
        });
        return await runExec(runtime, id, {
          processFile,
          pidFile,
          timeoutMs,
          maxOutputBytes: execOptions.maxOutputBytes ?? EXEC_OUTPUT_LIMIT_BYTES,
        });
      } catch (error) {
        if (error instanceof ExecTimeoutError) {
          throw new SandboxError('exec-timeout', `Command timed out after ${timeoutMs} ms.`);
        }
        throw new SandboxError('exec-failed', `Cannot exec in sandbox ${id}.`, { cause: error });
      } finally {
        await Promise.all([rm(processFile, { force: true }), rm(pidFile, { force: true })]);
      }
    },
    stats() {
      if (destroyed) return Promise.reject(destroyedError(id));
      return readStats(layout, cgroupPath);
    },
    destroy() {
      destroyed ??= (async () => {
        const clean = await tearDown(context, id, cgroupPath);
        context.live.delete(sandbox);
        cpus?.release();
        if (!clean) {
          // The bundle stays so the next start-up's reaper retries, and the uid range stays
          // taken so no new sandbox shares a host uid with whatever survived.
          throw new SandboxError(
            'destroy-failed',
            `Sandbox ${id} did not end completely; the next start-up will reap it.`,
          );
        }
        // A `crun run` still starting when the sandbox is destroyed may fill the root layer's
        // mount point while it is being removed (ENOTEMPTY); rm retries those. The layer itself
        // was only ever mounted in crun's own mount namespace, gone with its processes.
        await rm(bundle, { recursive: true, force: true, maxRetries: 3 });
        // The rootfs first: once the range is free, a new sandbox may take it (and its copy).
        await context.rootfs.release(idRange);
        context.ids.release(idRange);
      })();
      return destroyed;
    },
  };
  context.live.add(sandbox);
  return sandbox;
}
