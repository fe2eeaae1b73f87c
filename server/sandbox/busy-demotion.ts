/**
 * Sandboxes that keep a CPU busy yield it to those that do not. Twice a second this reads each
 * live sandbox's CPU time, and marks a sandbox that used half a CPU or more since the last look
 * `cpu.idle`; it lifts the mark once the sandbox uses less than a quarter of a CPU.
 *
 * Why: with more sandboxes than CPUs, a quiet learner's shell shares its CPU with a neighbour's
 * hog (placement counts sandboxes, not load). Two ordinary sibling groups share by EEVDF, and a
 * shell woken while its group is not "eligible" waits for the next scheduling event: up to a
 * scheduler tick (4 ms at HZ=250), whatever its 0.1 ms slice. A trace of the soak found the
 * typist's echo process waiting like that behind the memory bomb (bench/README.md "soak"). An idle
 * group is preempted at once by an ordinary sibling that wakes, eligible or not; among
 * themselves, busy sandboxes still share equally, and each keeps its quota. The learner cannot
 * undo it: cpu.idle, cpu.shares and cpu.weight of the sandbox's own cgroup stay root's.
 *
 * The kernel sets an idle group's weight to its minimum and, when the mark is lifted, back to
 * the default, not to what it was; so lifting it writes the sandbox's configured weight again.
 */
import { writeFile } from 'node:fs/promises';
import { cgroupFile, type CgroupLayout } from './cgroups.js';
import { cpuWeightToShares } from './resources.js';
import { readCpuUsageNs } from './stats.js';

/** How often usage is read. Long enough that a burst of typing is not "busy"; short enough
 *  that a new hog disturbs its neighbours for at most about this long. */
export const DEMOTION_INTERVAL_MS = 500;
/** CPUs' worth of time over an interval that marks a sandbox busy, and that lifts the mark.
 *  The gap keeps a sandbox near one figure from flipping at every look. */
export const BUSY_CORES = 0.5;
export const CALM_CORES = 0.25;

/** Whether a sandbox should be marked idle, given whether it is and its recent usage. */
export function nextDemoted(demoted: boolean, usedCores: number): boolean {
  return demoted ? usedCores >= CALM_CORES : usedCores >= BUSY_CORES;
}

/** The file and value that give a sandbox its scheduler weight back (resources.ts writes the
 *  same at creation). */
export function weightWrite(
  layout: CgroupLayout,
  cpuWeight: number,
): { file: string; value: string } {
  return layout === 'v2'
    ? { file: 'cpu.weight', value: String(cpuWeight) }
    : { file: 'cpu.shares', value: String(cpuWeightToShares(cpuWeight)) };
}

/** What the demotion needs of a sandbox. */
export interface DemotionTarget {
  readonly cgroupPath: string;
  readonly limits: { readonly cpuWeight: number };
}

interface Tracked {
  usageNs: number;
  at: number;
  demoted: boolean;
  /** A write was refused and reported. Later looks try again (a lift must not be given up:
   *  an idle sandbox beside busy neighbours gets almost nothing) but do not report again. */
  reported: boolean;
}

export interface BusyDemotion {
  /** Stops looking; resolves once a look in flight has ended, so nothing is reported after. */
  stop(): Promise<void>;
}

/** Errors of a write to a cgroup that is being removed: open finds it gone, or write does. */
const GONE = new Set(['ENOENT', 'ENODEV']);

/** How a look reads usage, writes cgroup files and tells the time. */
export interface DemotionIo {
  /** CPU time used so far in ns; undefined when the cgroup is gone. */
  readUsageNs(cgroupPath: string): Promise<number | undefined>;
  write(cgroupPath: string, file: string, value: string): Promise<void>;
  /** Milliseconds, monotonic. */
  now(): number;
}

/** The real cgroup files. */
export function cgroupIo(layout: CgroupLayout): DemotionIo {
  return {
    readUsageNs: (cgroupPath) => readCpuUsageNs(layout, cgroupPath),
    write: (cgroupPath, file, value) => writeFile(cgroupFile(layout, cgroupPath, file), value),
    now: () => performance.now(),
  };
}

/**
 * Returns one look at every sandbox in `live` (read at each look): it marks or lifts each as
 * its use since the last look says. `onError` hears once per sandbox of a write the kernel
 * refused, with whether it was to mark (true) or to lift (false); a sandbox torn down meanwhile
 * is not an error. A look never rejects.
 */
export function demotionLook(
  layout: CgroupLayout,
  live: ReadonlySet<DemotionTarget>,
  onError: (error: Error, demoting: boolean) => void,
  io: DemotionIo,
): () => Promise<void> {
  const tracked = new Map<DemotionTarget, Tracked>();
  const report = (error: unknown, demoting: boolean): void => {
    try {
      onError(error instanceof Error ? error : new Error(String(error)), demoting);
    } catch {
      // A reporter that fails must not take the server down with it.
    }
  };

  const setDemoted = async (sandbox: DemotionTarget, demoted: boolean): Promise<void> => {
    // In this order: the kernel refuses a weight for an idle group.
    await io.write(sandbox.cgroupPath, 'cpu.idle', demoted ? '1' : '0');
    if (!demoted) {
      const weight = weightWrite(layout, sandbox.limits.cpuWeight);
      await io.write(sandbox.cgroupPath, weight.file, weight.value);
    }
  };

  const lookAt = async (sandbox: DemotionTarget): Promise<void> => {
    const usageNs = await io.readUsageNs(sandbox.cgroupPath);
    if (usageNs === undefined) return; // torn down meanwhile
    const at = io.now();
    const before = tracked.get(sandbox);
    const state = {
      usageNs,
      at,
      demoted: before?.demoted ?? false,
      reported: before?.reported ?? false,
    };
    tracked.set(sandbox, state);
    if (!before) return;
    const usedCores = (usageNs - before.usageNs) / 1e6 / (at - before.at);
    const demoted = nextDemoted(before.demoted, usedCores);
    if (demoted === before.demoted) return;
    try {
      await setDemoted(sandbox, demoted);
      state.demoted = demoted;
    } catch (error) {
      // Left as it was, so the next look tries again.
      const gone = GONE.has((error as NodeJS.ErrnoException).code ?? '');
      if (gone || !live.has(sandbox) || state.reported) return;
      state.reported = true;
      report(error, demoted);
    }
  };

  return async () => {
    for (const sandbox of tracked.keys()) if (!live.has(sandbox)) tracked.delete(sandbox);
    await Promise.all([...live].map(lookAt)).catch((error: unknown) => {
      report(error, true);
    });
  };
}

/** Looks at `live` every DEMOTION_INTERVAL_MS, through the real cgroup files by default. */
export function startBusyDemotion(
  layout: CgroupLayout,
  live: ReadonlySet<DemotionTarget>,
  onError: (error: Error, demoting: boolean) => void,
  io: DemotionIo = cgroupIo(layout),
): BusyDemotion {
  const look = demotionLook(layout, live, onError, io);
  let looking: Promise<void> | undefined;
  const timer = setInterval(() => {
    // A look that outlasts the interval (a very busy host) is not stacked on.
    if (looking) return;
    looking = look().finally(() => {
      looking = undefined;
    });
  }, DEMOTION_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await looking;
    },
  };
}
