/**
 * Which CPUs each sandbox runs on. A sandbox is pinned to as many CPUs as its CPU limit rounds up
 * to (one by default), the least used first, and keeps its quota too.
 *
 * Why pin: a sandbox of CPU hogs with a one-CPU quota that may run on every CPU spends the quota
 * in half a period on two cores, is throttled, and is let go again at the next period, ten times
 * a second. Each of those events held up the wake-ups of every neighbour for up to a scheduler
 * tick: a quiet learner's echo p99 went to 3× its idle figure (bench/README.md "soak"). Pinned to
 * one CPU, a one-CPU quota can never run out, so the group is never throttled and the neighbours'
 * tail goes away (0.8× in the same benchmark); the limit is as strict as before, and a scenario
 * still sees its quota in cpu.max. Fractional limits (0.5) still need the quota to bite.
 */
import { readFile } from 'node:fs/promises';
import { CGROUP_ROOT, cgroupFile, type CgroupLayout } from './cgroups.js';
import { SandboxError } from './errors.js';
import { parseCpuList, type SandboxLimits } from './limits.js';

/** CPUs handed to one sandbox, counted as used until `release`. */
export interface CpuPlacementLease {
  /** The sandbox's cpu list, e.g. "1" or "0-1". */
  cpuset: string;
  /** Gives the CPUs back; later calls do nothing. */
  release(): void;
}

/** "0,1,2,5" → "0-2,5". */
export function formatCpuList(cpus: Iterable<number>): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let index = 0; index < sorted.length;) {
    const first = sorted[index] ?? 0;
    let last = first;
    while (sorted[index + 1] === last + 1) last = sorted[++index] ?? last;
    ranges.push(first === last ? String(first) : `${first}-${last}`);
    index++;
  }
  return ranges.join(',');
}

export class CpuPlacement {
  /** Live sandboxes pinned to each CPU. */
  private readonly users = new Map<number, number>();

  /** `available`: the CPUs the sandboxes' parent cgroup may use. */
  constructor(private readonly available: readonly number[]) {
    if (available.length === 0) throw new Error('CpuPlacement needs at least one CPU');
  }

  /**
   * Picks ceil(limits.cpus) CPUs (at most all the candidates) among the limit's cpuset, or among
   * all available CPUs when it is empty: those with the fewest sandboxes, the lowest first.
   */
  place(limits: Pick<SandboxLimits, 'cpus' | 'cpuset'>): CpuPlacementLease {
    const allowed = parseCpuList(limits.cpuset) ?? new Set<number>();
    const candidates =
      allowed.size === 0 ? [...this.available] : this.available.filter((cpu) => allowed.has(cpu));
    // A cpuset naming no available CPU is left as it is, for crun to refuse with its own error.
    if (candidates.length === 0) return { cpuset: limits.cpuset, release: () => undefined };
    const count = Math.min(candidates.length, Math.max(1, Math.ceil(limits.cpus)));
    const chosen = candidates
      .map((cpu) => ({ cpu, users: this.users.get(cpu) ?? 0 }))
      .sort((a, b) => a.users - b.users || a.cpu - b.cpu)
      .slice(0, count)
      .map(({ cpu }) => cpu);
    for (const cpu of chosen) this.users.set(cpu, (this.users.get(cpu) ?? 0) + 1);
    let released = false;
    return {
      cpuset: formatCpuList(chosen),
      release: () => {
        if (released) return;
        released = true;
        for (const cpu of chosen) {
          const left = (this.users.get(cpu) ?? 1) - 1;
          if (left > 0) this.users.set(cpu, left);
          else this.users.delete(cpu);
        }
      },
    };
  }
}

/** The CPUs sandboxes under `parent` may use: the parent cgroup's effective cpuset. */
export async function parentCpus(
  layout: CgroupLayout,
  parent: string,
  root = CGROUP_ROOT,
): Promise<number[]> {
  const file = cgroupFile(
    layout,
    parent,
    layout === 'v2' ? 'cpuset.cpus.effective' : 'cpuset.effective_cpus',
    root,
  );
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SandboxError(
      'cgroup-setup-failed',
      `Cannot read the CPUs sandboxes may use from ${file} (${code}), ` +
        'which pinning each sandbox to CPUs of its own needs. Enable the cpuset controller, or ' +
        'set NESTBOX_PIN_CPUS=0.',
      { cause: error },
    );
  });
  const cpus = parseCpuList(text);
  if (!cpus || cpus.size === 0) {
    throw new SandboxError('cgroup-setup-failed', `${file} lists no CPUs ("${text.trim()}").`);
  }
  return [...cpus].sort((a, b) => a - b);
}
