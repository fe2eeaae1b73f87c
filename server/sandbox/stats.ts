/**
 * A sandbox's current usage, read from its cgroup: a handful of small files, cheap enough to
 * poll every second for every session. Which files, and how to read them, depends on the layout;
 * both are pure so they are unit-tested for each.
 */
import { readFile } from 'node:fs/promises';
import { cgroupFile, type CgroupLayout } from './cgroups.js';

export interface SandboxStats {
  /** Tasks (processes and threads) now, and the limit; null when unlimited. */
  pidsCurrent: number;
  pidsMax: number | null;
  /** How often a fork failed because the pids limit was reached (pids.events "max"). */
  pidsLimitHits: number;
  /** Memory charged to the sandbox now, in bytes (page cache included), and the limit. */
  memoryBytes: number;
  memoryMaxBytes: number | null;
  /** Processes the kernel's OOM killer ended inside the sandbox. */
  oomKills: number;
  /** CPU time used since the sandbox started, in nanoseconds. */
  cpuUsageNs: number;
  /** Time the sandbox was held back by its CPU quota, in nanoseconds. */
  cpuThrottledNs: number;
}

type Source =
  | 'pidsCurrent'
  | 'pidsMax'
  | 'pidsEvents'
  | 'memoryCurrent'
  | 'memoryMax'
  | 'memoryEvents'
  | 'cpuUsage'
  | 'cpuStat';

/** The cgroup file (by controller-prefixed name, as cgroupFile takes it) behind each source. */
export function statsFiles(layout: CgroupLayout): Partial<Record<Source, string>> {
  if (layout === 'v2') {
    return {
      pidsCurrent: 'pids.current',
      pidsMax: 'pids.max',
      pidsEvents: 'pids.events',
      memoryCurrent: 'memory.current',
      memoryMax: 'memory.max',
      memoryEvents: 'memory.events',
      cpuStat: 'cpu.stat',
    };
  }
  return {
    pidsCurrent: 'pids.current',
    pidsMax: 'pids.max',
    pidsEvents: 'pids.events',
    memoryCurrent: 'memory.usage_in_bytes',
    memoryMax: 'memory.limit_in_bytes',
    memoryEvents: 'memory.oom_control',
    cpuUsage: 'cpuacct.usage',
    cpuStat: 'cpu.stat',
  };
}

/** v1 reports "no memory limit" as the largest page-aligned value, about 2^63. */
const V1_UNLIMITED = 2 ** 62;

function number(text: string | undefined): number {
  const value = Number(text?.trim());
  return Number.isFinite(value) ? value : 0;
}

function limit(text: string | undefined): number | null {
  const trimmed = text?.trim();
  if (trimmed === undefined || trimmed === '' || trimmed === 'max') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) && value < V1_UNLIMITED ? value : null;
}

/** Reads `key value` lines (pids.events, memory.events, memory.oom_control, cpu.stat). */
function keyed(text: string | undefined, key: string): number {
  for (const line of (text ?? '').split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name === key) return number(value);
  }
  return 0;
}

export function parseStats(
  layout: CgroupLayout,
  texts: Partial<Record<Source, string>>,
): SandboxStats {
  const common = {
    pidsCurrent: number(texts.pidsCurrent),
    pidsMax: limit(texts.pidsMax),
    pidsLimitHits: keyed(texts.pidsEvents, 'max'),
    memoryBytes: number(texts.memoryCurrent),
    memoryMaxBytes: limit(texts.memoryMax),
    oomKills: keyed(texts.memoryEvents, 'oom_kill'),
  };
  if (layout === 'v2') {
    return {
      ...common,
      cpuUsageNs: keyed(texts.cpuStat, 'usage_usec') * 1000,
      cpuThrottledNs: keyed(texts.cpuStat, 'throttled_usec') * 1000,
    };
  }
  return {
    ...common,
    cpuUsageNs: number(texts.cpuUsage),
    cpuThrottledNs: keyed(texts.cpuStat, 'throttled_time'),
  };
}

/** Reads the stats of the cgroup at `cgroupPath`; files that are missing read as zero. */
export async function readStats(layout: CgroupLayout, cgroupPath: string): Promise<SandboxStats> {
  const entries = await Promise.all(
    Object.entries(statsFiles(layout)).map(async ([source, file]) => {
      const text = await readFile(cgroupFile(layout, cgroupPath, file), 'utf8').catch(() => '');
      return [source, text] as const;
    }),
  );
  return parseStats(layout, Object.fromEntries(entries));
}

/** The CPU time the cgroup at `cgroupPath` has used, in nanoseconds; undefined when its file
 *  cannot be read (the cgroup is gone, as a rule). */
export async function readCpuUsageNs(
  layout: CgroupLayout,
  cgroupPath: string,
): Promise<number | undefined> {
  const source = layout === 'v2' ? 'cpuStat' : 'cpuUsage';
  // statsFiles names both for their layout; the fallback only satisfies the Partial type.
  const file = statsFiles(layout)[source] ?? '';
  const text = await readFile(cgroupFile(layout, cgroupPath, file), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseStats(layout, { [source]: text }).cpuUsageNs;
}
