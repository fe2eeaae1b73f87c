/**
 * vitest's global teardown: once every test file has ended, removes the run directories and
 * parent cgroups that test labs and hosts made (`nestbox-it-*`, `nestbox-e2e`, `nestbox-e2e-*`).
 * A server keeps its own between runs, by design; a test run on a lab host should leave nothing.
 * Only empty ones go: rmdir refuses a cgroup that still has children, and a run directory goes
 * only when its bundles and crun state are empty, so a test that failed to clean up leaves its
 * evidence. The names are the tests' own (two test runs at once on one machine would disturb
 * each other anyway: they share them), never a lab's (`nestbox` by default, and
 * `nestbox-scenario-test` for `nestbox scenario test` on it).
 */
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupHierarchies, detectCgroupLayout } from '../server/sandbox/cgroups.js';

const RUN_ROOT = '/run';
const TEST_NAME = /^nestbox-(it-.+|e2e(-.+)?)$/;

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** Removes `dir` if it holds only empty directories (a run directory nothing uses). */
async function removeEmptyRunDir(dir: string): Promise<void> {
  const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const child of children) {
    if (!child.isDirectory() || (await entries(join(dir, child.name))).length > 0) return;
  }
  for (const child of children) await rmdir(join(dir, child.name)).catch(() => undefined);
  await rmdir(dir).catch(() => undefined);
}

export async function teardown(): Promise<void> {
  for (const name of await entries(RUN_ROOT)) {
    if (TEST_NAME.test(name)) await removeEmptyRunDir(join(RUN_ROOT, name));
  }
  const layout = await detectCgroupLayout();
  if (!layout) return;
  for (const hierarchy of await cgroupHierarchies(layout)) {
    for (const name of await entries(hierarchy)) {
      if (TEST_NAME.test(name)) await rmdir(join(hierarchy, name)).catch(() => undefined);
    }
  }
}
