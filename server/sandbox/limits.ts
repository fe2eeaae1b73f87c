/**
 * The one option set that bounds a sandbox, and the rule for tightening it per sandbox: the
 * server's configuration is a ceiling, and a scenario may only ask for less.
 */
import { SandboxError } from './errors.js';

/** Resource limits for one sandbox. Units are in the names; defaults live in server/config.ts. */
export interface SandboxLimits {
  /** Tasks (processes and threads) in the sandbox's cgroup. */
  pids: number;
  /** Memory in bytes. Swap adds nothing on top: memory + swap is capped at this too. */
  memoryBytes: number;
  /** CPU bandwidth in cores' worth (0.5 is half of one core), as a quota per 100 ms period. */
  cpus: number;
  /** Share of the CPU under contention, on cgroup v2's scale: 1 to 10000, 100 is the default. */
  cpuWeight: number;
  /** The CPUs it may run on, as a cpu list such as "0-1,3"; empty for all of them. */
  cpuset: string;
  /** Block I/O bandwidth in bytes per second, for reads and for writes each, on the disk that
   *  holds the image; undefined for no limit. */
  ioBps?: number;
  /** Size of each writable tmpfs (/root, /tmp, /run, /dev/shm) and of the root's writable layer
   *  (root-layer.ts), in bytes. */
  tmpfsBytes: number;
  /** Inodes of each writable tmpfs and of the root's layer. */
  tmpfsInodes: number;
  /** Open files per process (RLIMIT_NOFILE, soft and hard). */
  nofile: number;
}

/** Limits that are plain "at most this much" numbers, whole or fractional. */
const NUMERIC_LIMITS = [
  'pids',
  'memoryBytes',
  'cpus',
  'cpuWeight',
  'tmpfsBytes',
  'tmpfsInodes',
  'nofile',
] as const satisfies readonly (keyof SandboxLimits)[];

/** Parses a kernel cpu list ("0-3,5") into CPU numbers; undefined if it is malformed. */
export function parseCpuList(list: string): Set<number> | undefined {
  const cpus = new Set<number>();
  if (list.trim() === '') return cpus;
  for (const part of list.trim().split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range?.[1]) return undefined;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (last < first || last > 4095) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return cpus;
}

function invalid(message: string): SandboxError {
  return new SandboxError('invalid-limits', message);
}

function raised(name: string, wanted: string, ceiling: string): SandboxError {
  return new SandboxError(
    'limit-raised',
    `A sandbox asked for ${name}=${wanted}, above the server's ${ceiling}. ` +
      'Per-sandbox limits may only tighten the configured ones; raise the server setting instead.',
  );
}

/** True when every CPU of `wanted` is in `ceiling` (an empty list stands for every CPU). */
function cpusetWithin(wanted: Set<number>, ceiling: Set<number>): boolean {
  if (ceiling.size === 0) return true;
  if (wanted.size === 0) return false;
  return [...wanted].every((cpu) => ceiling.has(cpu));
}

/**
 * Applies a per-sandbox override to the configured limits. Every field of `override` must be no
 * more than the configured one (for `cpuset`, a subset); asking for more is a SandboxError, so a
 * scenario can never buy itself more than the operator allowed.
 */
export function tightenLimits(
  ceiling: SandboxLimits,
  override: Partial<SandboxLimits> = {},
): SandboxLimits {
  const result: SandboxLimits = { ...ceiling };
  for (const name of NUMERIC_LIMITS) {
    const wanted = override[name];
    if (wanted === undefined) continue;
    if (!Number.isFinite(wanted) || wanted <= 0) {
      throw invalid(`Sandbox limit ${name}=${wanted} is invalid: expected a positive number.`);
    }
    if (name !== 'cpus' && !Number.isInteger(wanted)) {
      throw invalid(`Sandbox limit ${name}=${wanted} is invalid: expected a whole number.`);
    }
    if (wanted > ceiling[name]) throw raised(name, String(wanted), String(ceiling[name]));
    result[name] = wanted;
  }
  if (override.ioBps !== undefined) {
    if (!Number.isInteger(override.ioBps) || override.ioBps <= 0) {
      throw invalid(`Sandbox limit ioBps=${override.ioBps} is invalid: expected a whole number.`);
    }
    if (ceiling.ioBps !== undefined && override.ioBps > ceiling.ioBps) {
      throw raised('ioBps', String(override.ioBps), String(ceiling.ioBps));
    }
    result.ioBps = override.ioBps;
  }
  if (override.cpuset !== undefined) {
    const wanted = parseCpuList(override.cpuset);
    if (!wanted) throw invalid(`Sandbox limit cpuset="${override.cpuset}" is not a cpu list.`);
    if (!cpusetWithin(wanted, parseCpuList(ceiling.cpuset) ?? new Set())) {
      throw raised('cpuset', `"${override.cpuset}"`, `"${ceiling.cpuset || 'all CPUs'}"`);
    }
    result.cpuset = override.cpuset;
  }
  return result;
}
