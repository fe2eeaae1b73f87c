/**
 * Memory of a server and everything it started, from /proc and the cgroup files. Shared pages
 * (libc, node itself) would be counted once per process by RSS, so the per-process figures are
 * PSS, which splits each shared page among the processes that map it.
 */
import { readFile, readdir } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface TreeMemory {
  /** RSS of the server's main process. */
  mainRssKB: number;
  /** PSS of the server's other processes that are not shells (crun, session helpers). */
  helpersPssKB: number;
  /** PSS of the shells: bash on the host, or anything inside a Nestbox sandbox. */
  shellsPssKB: number;
  /** Memory charged to Nestbox sandbox cgroups (kernel memory and page cache included). */
  sandboxCgroupKB: number;
}

/** A sandbox's cgroup as server/sandbox names it: <parent>/nestbox-<16 hex digits>. */
const SANDBOX_CGROUP = /\/nestbox-[0-9a-f]{16}$/;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** `Field:   1234 kB` from a /proc status-style file. */
function field(text: string | undefined, name: string): number {
  const match = text === undefined ? null : new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

async function rssKB(pid: number): Promise<number> {
  return field(await readText(`/proc/${pid}/status`), 'VmRSS');
}

let collectGarbage: (() => void) | undefined;

/**
 * What this process really holds, JS heap and buffers, once garbage is gone: a leak or a queue
 * grows it, while RSS also counts garbage not yet collected and allocator slack. Costs two full
 * collections (tens of ms), so not for the middle of a latency measurement.
 */
export async function liveBytes(): Promise<number> {
  if (!collectGarbage) {
    setFlagsFromString('--expose-gc');
    collectGarbage = runInNewContext('gc') as () => void;
  }
  // Twice, around a pause: V8 frees the buffers of a collection on a background thread.
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 20));
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Samples a process's RSS every 100 ms until `stop`, which resolves with the peak growth. */
export function watchRss(pid: number): { stop(): Promise<number> } {
  const start = rssKB(pid);
  let peak = 0;
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(async () => {
      peak = Math.max(peak, await rssKB(pid));
    });
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      return Math.max(0, peak - (await start));
    },
  };
}

/** Every process's parent and command name. */
async function processTable(): Promise<Map<number, { ppid: number; comm: string }>> {
  const table = new Map<number, { ppid: number; comm: string }>();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await readText(`/proc/${pid}/stat`);
      if (stat === undefined) return;
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses; it ends at the last ')'.
      const close = stat.lastIndexOf(')');
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      table.set(Number(pid), { ppid, comm: stat.slice(stat.indexOf('(') + 1, close) });
    }),
  );
  return table;
}

function descendants(table: Map<number, { ppid: number }>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** The memory controller's cgroup of a process, if it is a Nestbox sandbox's (v1 or v2). */
async function sandboxCgroup(pid: number): Promise<string | undefined> {
  const lines = (await readText(`/proc/${pid}/cgroup`))?.split('\n') ?? [];
  const v1 = lines.find((line) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(line));
  const path = (v1 ?? lines.find((line) => line.startsWith('0::')))?.split(':')[2];
  return path !== undefined && SANDBOX_CGROUP.test(path)
    ? `${v1 ? 'v1' : 'v2'}:${path}`
    : undefined;
}

async function cgroupMemoryKB(cgroup: string): Promise<number> {
  const [version, path] = [cgroup.slice(0, 2), cgroup.slice(3)];
  const file =
    version === 'v1'
      ? `/sys/fs/cgroup/memory${path}/memory.usage_in_bytes`
      : `/sys/fs/cgroup${path}/memory.current`;
  return Number((await readText(file)) ?? 0) / 1024;
}

export async function sampleTree(rootPid: number): Promise<TreeMemory> {
  const table = await processTable();
  const sample: TreeMemory = {
    mainRssKB: await rssKB(rootPid),
    helpersPssKB: 0,
    shellsPssKB: 0,
    sandboxCgroupKB: 0,
  };
  const cgroups = new Set<string>();
  await Promise.all(
    descendants(table, rootPid).map(async (pid) => {
      const pss = field(await readText(`/proc/${pid}/smaps_rollup`), 'Pss');
      const cgroup = await sandboxCgroup(pid);
      if (cgroup) cgroups.add(cgroup);
      if (cgroup || table.get(pid)?.comm === 'bash') sample.shellsPssKB += pss;
      else sample.helpersPssKB += pss;
    }),
  );
  for (const cgroup of cgroups) sample.sandboxCgroupKB += await cgroupMemoryKB(cgroup);
  return sample;
}
