/**
 * What Nestbox does to a sandbox's cgroup directories itself, beyond what crun does: hand them
 * to the learner (delegation on v1), kill everything in them, and remove them with every child
 * cgroup the learner made.
 */
import { chown, mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CgroupLayout } from './cgroups.js';

/**
 * The paths the learner's root must own, per hierarchy, so that they can create child cgroups
 * and move their processes between them (design.md §4). Only these: the limit files stay owned
 * by host root, so raising one's own limits fails with EACCES.
 */
export function delegatedPaths(hierarchy: string, cgroupPath: string): string[] {
  const dir = `${hierarchy}/${cgroupPath}`;
  return [dir, `${dir}/cgroup.procs`, `${dir}/tasks`];
}

/**
 * Pre-creates the sandbox's cgroup in every v1 hierarchy and gives it to the sandbox's root
 * (`owner` is its host uid and gid). crun then finds the directories in place and writes the
 * limits into them. On v2 crun delegates by itself.
 */
export async function delegateV1(
  hierarchies: readonly string[],
  cgroupPath: string,
  owner: number,
): Promise<void> {
  await Promise.all(
    hierarchies.map(async (hierarchy) => {
      await mkdir(`${hierarchy}/${cgroupPath}`);
      for (const path of delegatedPaths(hierarchy, cgroupPath)) await chown(path, owner, owner);
    }),
  );
}

async function childCgroups(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => join(dir, entry.name));
  } catch {
    return undefined; // Already gone.
  }
}

/** Every cgroup directory in the tree at `dir`, the root first. */
async function treeOf(dir: string): Promise<string[]> {
  const children = await childCgroups(dir);
  if (!children) return [];
  const nested = await Promise.all(children.map(treeOf));
  return [dir, ...nested.flat()];
}

/** Every task in the cgroup and its children (cgroup.procs is per directory on v1). */
async function tasksIn(dir: string): Promise<number[]> {
  const lists = await Promise.all(
    (await treeOf(dir)).map((cgroup) =>
      readFile(join(cgroup, 'cgroup.procs'), 'utf8').catch(() => ''),
    ),
  );
  return lists.flatMap((list) => list.split('\n').filter(Boolean).map(Number));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SIGKILLs every process in the cgroup tree, for when crun cannot (its state is lost, or a
 * process outlived the pid-namespace init). v2 has cgroup.kill, which also ends frozen tasks.
 * On v1 the tree is frozen first, as runc does: a frozen process can neither exit nor fork, so
 * the pids read are exactly the processes that get the signal, and none can be a recycled pid of
 * someone else's. Then every cgroup in the tree is thawed, including child cgroups the learner
 * froze themselves (which a thaw of the parent leaves frozen), so the signal takes effect.
 */
export async function killCgroupTree(
  layout: CgroupLayout,
  hierarchies: readonly string[],
  cgroupPath: string,
): Promise<void> {
  if (layout === 'v2') {
    await writeFile(`${hierarchies[0] ?? ''}/${cgroupPath}/cgroup.kill`, '1').catch(
      () => undefined,
    );
    return;
  }
  const freezer = hierarchies.find((hierarchy) =>
    basename(hierarchy).split(',').includes('freezer'),
  );
  const root = freezer && `${freezer}/${cgroupPath}`;
  if (root) {
    await writeFile(`${root}/freezer.state`, 'FROZEN').catch(() => undefined);
    for (let tries = 0; tries < 100; tries++) {
      const now = await readFile(`${root}/freezer.state`, 'utf8').catch(() => 'FROZEN');
      if (now.trim() === 'FROZEN') break;
      await sleep(5);
    }
  }
  const source = root ?? (hierarchies[0] && `${hierarchies[0]}/${cgroupPath}`);
  if (source) {
    for (const pid of await tasksIn(source)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  if (root) {
    const thawOrder = (await treeOf(root)).reverse();
    for (const cgroup of thawOrder) {
      await writeFile(`${cgroup}/freezer.state`, 'THAWED').catch(() => undefined);
    }
  }
}

/**
 * Removes the cgroup at `dir` and every child cgroup the learner made, deepest first (rmdir only
 * removes empty cgroups, and crun does not descend into children on v1). A cgroup whose last
 * tasks are still exiting is busy for a moment, so busy ones are retried until `timeoutMs`.
 * Resolves false if something is left.
 */
export async function removeCgroupTree(dir: string, timeoutMs = 2000): Promise<boolean> {
  const children = await childCgroups(dir);
  if (!children) return true;
  const removed = await Promise.all(children.map((child) => removeCgroupTree(child, timeoutMs)));
  if (removed.includes(false)) return false;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await rmdir(dir);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return true;
      if (code !== 'EBUSY' || Date.now() > deadline) return false;
      await sleep(10);
    }
  }
}
