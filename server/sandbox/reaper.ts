/**
 * Start-up reaping: a server that died (kill -9, power loss with /run on disk) leaves crun
 * state, cgroups, processes and bundles behind. Everything this run directory knows of is torn
 * down before a new sandbox can reuse its uid range.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { SandboxError } from './errors.js';
import { listContainers } from './runtime.js';
import { TRAVERSE_ONLY } from './skeleton.js';
import { tearDown, type TeardownContext } from './teardown.js';

/**
 * Finds leftovers by two independent records, crun's state and the bundle directories (a bundle
 * is removed only after its teardown succeeded), and tears each one down. Returns their ids.
 * Only ids in this run directory are touched, so servers with their own run directories can
 * share the parent cgroup without reaping each other.
 */
export async function reapLeftovers(
  context: TeardownContext,
  bundlesDir: string,
  parentCgroup: string,
  prefix: string,
): Promise<string[]> {
  const fromState = await listContainers(context.runtime);
  const fromBundles = await readdir(bundlesDir).catch(() => []);
  const ids = [...new Set([...fromState, ...fromBundles])]
    .filter((id) => id.startsWith(prefix))
    .sort();
  const results = await Promise.all(
    ids.map((id) => tearDown(context, id, `${parentCgroup}/${id}`)),
  );
  const stuck = ids.filter((_, index) => !results[index]);
  if (stuck.length > 0) {
    throw new SandboxError(
      'destroy-failed',
      `Leftover sandbox(es) ${stuck.join(', ')} from a previous run could not be removed ` +
        `(processes or cgroups under ${parentCgroup} remain). Check them with ` +
        `"crun --root ${context.runtime.stateDir} list" and remove them, then start again.`,
    );
  }
  await rm(bundlesDir, { recursive: true, force: true });
  // Traversable, for the skeleton roots in the bundles (skeleton.ts allowTraversal).
  await mkdir(bundlesDir, { recursive: true, mode: TRAVERSE_ONLY });
  return ids;
}
