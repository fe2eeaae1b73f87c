/**
 * Ending a sandbox completely, whether it is live, already stopped, or a leftover of a server
 * that died: no process, no cgroup (learner-made children included), no crun state. The bundle
 * directory is the caller's, removed only once this succeeds, so that a failed teardown is
 * retried by the next start-up's reaper.
 */
import { removeCgroupTree, killCgroupTree } from './cgroup-tree.js';
import { waitUntilEmpty, type CgroupLayout } from './cgroups.js';
import { runRuntime, type RuntimeConfig } from './runtime.js';

export interface TeardownContext {
  runtime: RuntimeConfig;
  layout: CgroupLayout;
  /** Every hierarchy the sandbox's cgroup has a directory in (cgroups.ts cgroupHierarchies). */
  hierarchies: readonly string[];
}

/**
 * SIGKILL to the pid-namespace init makes the kernel kill every other process in it, including
 * ones detached with setsid or nohup and ones in nested pid namespaces; the cgroup then empties
 * as the kernel reaps them. If it does not (crun's state is gone, say), everything left in the
 * cgroup is killed directly. `delete --force` removes crun's state: it is needed even after a
 * successful kill, or crun keeps a stopped container around. Resolves false if anything is left.
 */
export async function tearDown(
  context: TeardownContext,
  id: string,
  cgroupPath: string,
): Promise<boolean> {
  // A sandbox destroyed while `crun run` is still starting it can have its cgroup made, or its
  // first process moved in, just after a pass removed them; the next pass finds a container
  // crun can kill. Starting takes tens of milliseconds, so a few passes outlast it.
  for (let pass = 1; ; pass++) {
    const clean = await tearDownOnce(context, id, cgroupPath);
    if (clean || pass === TEARDOWN_PASSES) return clean;
  }
}

const TEARDOWN_PASSES = 4;

async function tearDownOnce(
  context: TeardownContext,
  id: string,
  cgroupPath: string,
): Promise<boolean> {
  const { runtime, layout, hierarchies } = context;
  await runRuntime(runtime, ['kill', id, 'KILL']).catch(() => undefined);
  if (!(await waitUntilEmpty(layout, cgroupPath, 2000))) {
    await killCgroupTree(layout, hierarchies, cgroupPath);
    await waitUntilEmpty(layout, cgroupPath, 3000);
  }
  // crun does not descend into the child cgroups a learner made (on v1 its rmdir then fails),
  // so they go first, deepest first; crun then finds its directories gone, which it accepts.
  const removed = await Promise.all(
    hierarchies.map((hierarchy) => removeCgroupTree(`${hierarchy}/${cgroupPath}`)),
  );
  // `crun run` deletes its container itself when the init exits, so it may have won the race.
  const deleted = await runRuntime(runtime, ['delete', '--force', id]).catch(() => undefined);
  const stateGone =
    deleted !== undefined &&
    (deleted.code === 0 || /does not exist|not found|no such file/i.test(deleted.stderr));
  return stateGone && !removed.includes(false);
}
