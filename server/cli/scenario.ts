/**
 * `nestbox scenario check|test [DIR...]`: the authoring tools. Each DIR is a scenario folder
 * (it has an index.json) or a folder of scenarios; with none, the configured scenarios folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { scenariosDir } from '../scenarios/catalog.js';
import { scenarioCheck } from './scenario-check.js';
import { scenarioTest } from './scenario-test.js';

export interface FolderSet {
  /** Scenario folders, absolute. */
  scenarios: string[];
  /** Folders of scenarios that were named, absolute, for their course files. */
  collections: string[];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
}

/**
 * The scenario folders named: a folder with index.json, or every folder inside a folder of
 * scenarios. `everyFolder` includes subfolders without index.json too (the catalog would show
 * them as broken, so check must report them); otherwise only those with one.
 */
export async function scenarioFolders(paths: string[], everyFolder: boolean): Promise<FolderSet> {
  const set: FolderSet = { scenarios: [], collections: [] };
  for (const path of paths.map((given) => resolve(given))) {
    if (await exists(join(path, 'index.json'))) {
      set.scenarios.push(path);
      continue;
    }
    set.collections.push(path);
    const entries = (await readdir(path, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const folder = join(path, entry.name);
      if (everyFolder || (await exists(join(folder, 'index.json')))) set.scenarios.push(folder);
    }
  }
  return set;
}

export async function scenarioCommand(args: string[]): Promise<number | undefined> {
  const [command, ...rest] = args;
  if (command !== 'check' && command !== 'test') return undefined;
  const paths = rest.length > 0 ? rest : [scenariosDir()];
  const notFolders = [];
  for (const path of paths) if (!(await isFolder(path))) notFolders.push(path);
  if (notFolders.length > 0) {
    // Exit 2 like any other usage mistake, so CI can tell it from a scenario with errors (1).
    for (const path of notFolders) {
      console.error(
        `nestbox: ${path} is not a folder; give a scenario folder (with index.json) or a folder of scenarios.`,
      );
    }
    return 2;
  }
  if (command === 'check') return scenarioCheck(await scenarioFolders(paths, true));
  return scenarioTest((await scenarioFolders(paths, false)).scenarios);
}
