/**
 * The parent cgroup every sandbox's cgroup sits under (relative path, e.g. `nestbox`). Its totals
 * cap all sandboxes together, so many learners at their limits still leave the host (and this
 * server) room. It is created at start-up and outlives the server.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { CGROUP_ROOT, cgroupFile, type CgroupLayout } from './cgroups.js';
import { SandboxError } from './errors.js';
import { subtreeControlLine, totalsWrites, type CgroupTotals } from './resources.js';

/** Tasks a sandbox needs just to start: its init (init.ts) and the shell, with a little slack. */
const PIDS_TO_START = 8;

async function write(path: string, value: string, why: string): Promise<void> {
  try {
    await writeFile(path, value);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SandboxError(
      'cgroup-setup-failed',
      `Cannot write "${value}" to ${path} (${code}): ${why}`,
      { cause: error },
    );
  }
}

/** v1 cpuset cgroups start with no CPUs or memory nodes: give the parent the root's, and make
 *  its children (sandboxes, and theirs) inherit them when they are created. */
async function initialiseV1Cpuset(hierarchy: string, parent: string): Promise<void> {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    const own = await readFile(`${hierarchy}/${parent}/${file}`, 'utf8');
    if (own.trim() !== '') continue;
    const root = await readFile(`${hierarchy}/${file}`, 'utf8');
    await write(`${hierarchy}/${parent}/${file}`, root.trim(), 'sandboxes need CPUs to run on.');
  }
  await write(
    `${hierarchy}/${parent}/cgroup.clone_children`,
    '1',
    'sandboxes inherit the CPUs and memory nodes of the parent.',
  );
}

/**
 * cpu.idle (Linux 5.15+) makes the parent, and so every sandbox together, an idle-class task to
 * the rest of the host. Without it, a kernel thread or the server woken onto a CPU where a
 * learner's task runs waits until that task's slice ends, which the kernel notices only at its
 * next tick (4 ms at HZ=250): a memory bomb delays every terminal's bytes that way (bench/README.md,
 * soak). An idle-class task is preempted at once. Inside the parent, sandboxes still share by
 * their weights; what they give up is CPU time the host's own processes want, which on a
 * dedicated lab host is little (set NESTBOX_CPU_IDLE=0 on a shared one).
 */
async function setCpuIdle(layout: CgroupLayout, parent: string, idle: boolean): Promise<void> {
  const path = cgroupFile(layout, parent, 'cpu.idle');
  // Nothing to undo where the file does not exist (a kernel before 5.15).
  if (!idle && !existsSync(path)) return;
  await write(
    path,
    idle ? '1' : '0',
    "sandboxes yield the CPU to the server and the kernel's threads through cpu.idle, which " +
      `${CPU_IDLE_NEEDS}. Set NESTBOX_CPU_IDLE=0 to let them compete as an ordinary process instead.`,
  );
}

const CPU_IDLE_NEEDS = 'needs Linux 5.15 or later and the cpu controller';

/** NESTBOX_DEMOTE_BUSY marks busy sandboxes cpu.idle (busy-demotion.ts): the parent's own file
 *  shows whether their cgroups have one. */
export function requireCpuIdle(layout: CgroupLayout, parent: string): void {
  const path = cgroupFile(layout, parent, 'cpu.idle');
  if (existsSync(path)) return;
  throw new SandboxError(
    'cgroup-setup-failed',
    `${path} does not exist: making busy sandboxes yield to quiet ones ${CPU_IDLE_NEEDS}. ` +
      'Upgrade the kernel, or set NESTBOX_DEMOTE_BUSY=0.',
  );
}

/** Creates the parent cgroup (idempotently), gives it its totals and sets its cpu.idle. */
export async function prepareParentCgroup(
  layout: CgroupLayout,
  hierarchies: readonly string[],
  parent: string,
  totals: CgroupTotals,
  cpuIdle: boolean,
): Promise<void> {
  try {
    await Promise.all(
      hierarchies.map((hierarchy) => mkdir(`${hierarchy}/${parent}`, { recursive: true })),
    );
  } catch (error) {
    throw new SandboxError(
      'cgroup-setup-failed',
      `Cannot create the parent cgroup "${parent}" under ${CGROUP_ROOT}. Nestbox must run as root ` +
        'on the host (or in a container with a writable, delegated cgroup tree).',
      { cause: error },
    );
  }
  if (layout === 'v2') {
    const available = (await readFile(`${CGROUP_ROOT}/cgroup.controllers`, 'utf8'))
      .trim()
      .split(/\s+/);
    const line = subtreeControlLine(available);
    for (const dir of [CGROUP_ROOT, `${CGROUP_ROOT}/${parent}`]) {
      for (const token of line.split(' ').filter(Boolean)) {
        await write(`${dir}/cgroup.subtree_control`, token, 'sandboxes need this controller.');
      }
    }
  } else {
    const cpuset = hierarchies.find((hierarchy) =>
      basename(hierarchy).split(',').includes('cpuset'),
    );
    if (cpuset) await initialiseV1Cpuset(cpuset, parent);
  }
  for (const { controller, file, value } of totalsWrites(layout, totals)) {
    const path =
      layout === 'v2'
        ? `${CGROUP_ROOT}/${parent}/${file}`
        : `${CGROUP_ROOT}/${controller}/${parent}/${file}`;
    await write(
      path,
      value,
      'the totals must not be below what running sandboxes already use; lower them once those end.',
    );
  }
  await setCpuIdle(layout, parent, cpuIdle);
}

/** Throws when the parent's pids total leaves no room for another sandbox to start. */
export async function ensureParentHasRoom(layout: CgroupLayout, parent: string): Promise<void> {
  const read = (file: string): Promise<string> =>
    readFile(cgroupFile(layout, parent, file), 'utf8').catch(() => 'max');
  const [current, max] = await Promise.all([read('pids.current'), read('pids.max')]);
  if (max.trim() === 'max') return;
  if (Number(max) - Number(current) < PIDS_TO_START) {
    throw new SandboxError(
      'parent-cgroup-full',
      `All sandboxes together already use ${current.trim()} of the ${max.trim()} tasks allowed ` +
        '(NESTBOX_TOTAL_PIDS). Try again when some sessions end, or raise NESTBOX_TOTAL_PIDS.',
    );
  }
}
