import { lstat, readFile, readdir } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { isValidSlug, parseCourse, parseScenario } from '../../lib/scenario/index';
import type { Course, Scenario, ScenarioError } from '../../lib/scenario/index';

/**
 * Reads scenario folders from disk and hands their text to the pure parser in lib/scenario.
 *
 * Only `*.json`, `*.md` and `*.sh` files are read (index, pages, step scripts): assets are the
 * sandbox's business, and reading less means a stray binary or huge file cannot slow the
 * catalog page. Symbolic links
 * are skipped, so a folder cannot pull in files from elsewhere on the host. Slugs are checked
 * before any path is built, so a URL segment can never walk out of the scenarios directory.
 */

/** The folder scenarios are read from: `$NESTBOX_SCENARIOS_DIR`, else `./scenarios`. */
export function scenariosDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const configured = env.NESTBOX_SCENARIOS_DIR;
  return configured !== undefined && configured !== ''
    ? resolve(configured)
    : resolve(process.cwd(), 'scenarios');
}

/** A problem that kept one folder out of the catalog. */
export interface CatalogError {
  /** The folder's name inside the scenarios directory ('' for the directory itself). */
  folder: string;
  /** The file inside that folder; undefined when the problem is the folder as a whole. */
  file: string | undefined;
  /** 1-based line in `file`; undefined when no line applies. */
  line: number | undefined;
  message: string;
}

export interface Catalog {
  /** Absolute path that was read, so messages can name it. */
  dir: string;
  /** Valid scenarios, sorted by slug. */
  scenarios: Scenario[];
  /** Every problem found, grouped by folder in folder order. */
  errors: CatalogError[];
}

export type LoadScenarioResult =
  | { ok: true; scenario: Scenario }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'invalid'; errors: CatalogError[] };

/** Limits that keep one careless folder from stalling every page load. */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 500;
const MAX_DEPTH = 4;

const READABLE = /\.(?:json|md|sh)$/;

type FolderRead = { files: Map<string, string>; errors: CatalogError[] };

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads every `*.json` and `*.md` file under `root`, keyed by '/'-separated relative path. */
async function readFolder(folder: string, root: string): Promise<FolderRead> {
  const files = new Map<string, string>();
  const errors: CatalogError[] = [];
  const problem = (file: string | undefined, message: string): void => {
    errors.push({ folder, file, line: undefined, message });
  };

  async function walk(relative: string, depth: number): Promise<void> {
    const entries = await readdir(join(root, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Dot-files are editor and VCS clutter, never part of a lesson.
      if (entry.name.startsWith('.')) continue;
      const path = relative === '' ? entry.name : posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
        continue;
      }
      if (!entry.isFile() || !READABLE.test(entry.name)) continue;
      if (files.size >= MAX_FILES) {
        problem(undefined, `More than ${MAX_FILES} .json and .md files; the rest were ignored.`);
        return;
      }
      const absolute = join(root, path);
      const { size } = await lstat(absolute);
      if (size > MAX_FILE_BYTES) {
        problem(path, `The file is ${size} bytes; the limit is ${MAX_FILE_BYTES}. Split it up.`);
        continue;
      }
      files.set(path, await readFile(absolute, 'utf8'));
    }
  }

  try {
    await walk('', 0);
  } catch (error) {
    problem(undefined, `Could not read the folder: ${describeError(error)}`);
  }
  return { files, errors };
}

function fromScenarioErrors(folder: string, errors: readonly ScenarioError[]): CatalogError[] {
  return errors.map((e) => ({ folder, file: e.file, line: e.line, message: e.message }));
}

async function loadFolder(dir: string, folder: string): Promise<LoadScenarioResult> {
  const read = await readFolder(folder, join(dir, folder));
  const parsed = parseScenario(folder, read.files);
  if (parsed.ok && read.errors.length === 0) return parsed;
  const errors = [...read.errors, ...(parsed.ok ? [] : fromScenarioErrors(folder, parsed.errors))];
  return { ok: false, reason: 'invalid', errors };
}

/** Loads one scenario. Unknown and malformed slugs are simply not found. */
export async function loadScenario(dir: string, slug: string): Promise<LoadScenarioResult> {
  if (!isValidSlug(slug)) return { ok: false, reason: 'not-found' };
  try {
    if (!(await lstat(join(dir, slug))).isDirectory()) return { ok: false, reason: 'not-found' };
  } catch (error) {
    if (isMissing(error)) return { ok: false, reason: 'not-found' };
    throw error;
  }
  return loadFolder(dir, slug);
}

/** Loads every scenario folder in `dir`. Problems are collected, never thrown. */
export async function loadCatalog(dir: string): Promise<Catalog> {
  const absolute = resolve(dir);
  let entries;
  try {
    entries = await readdir(absolute, { withFileTypes: true });
  } catch (error) {
    const message = isMissing(error)
      ? `The scenarios directory ${absolute} does not exist. Create it, or set NESTBOX_SCENARIOS_DIR to the folder that holds your scenarios.`
      : `Could not read the scenarios directory ${absolute}: ${describeError(error)}`;
    return {
      dir: absolute,
      scenarios: [],
      errors: [{ folder: '', file: undefined, line: undefined, message }],
    };
  }

  const folders = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();

  const results = await Promise.all(
    folders.map(async (folder): Promise<LoadScenarioResult> => {
      if (!isValidSlug(folder)) {
        const message =
          `"${folder}" is not a valid scenario folder name. Use only lowercase letters, digits ` +
          'and dashes, starting with a letter or digit; the name becomes the URL /learn/<name>.';
        return {
          ok: false,
          reason: 'invalid',
          errors: [{ folder, file: undefined, line: undefined, message }],
        };
      }
      return loadFolder(absolute, folder);
    }),
  );

  const scenarios: Scenario[] = [];
  const errors: CatalogError[] = [];
  for (const result of results) {
    if (result.ok) scenarios.push(result.scenario);
    else if (result.reason === 'invalid') errors.push(...result.errors);
  }
  return { dir: absolute, scenarios, errors };
}

/** `hello/index.json:3` style location for messages, relative to the scenarios directory. */
export function formatCatalogLocation(error: CatalogError): string {
  const path = [error.folder, error.file].filter((p) => p !== undefined && p !== '').join('/');
  const where = path === '' ? '.' : path;
  return error.line === undefined ? where : `${where}:${error.line}`;
}

/** The course in `structure.json` at the top of the scenarios folder, if there is one. */
export async function loadCourse(dir: string): Promise<{ course?: Course; error?: CatalogError }> {
  let text: string;
  try {
    text = await readFile(join(dir, 'structure.json'), 'utf8');
  } catch (error) {
    if (isMissing(error)) return {};
    throw error;
  }
  const result = parseCourse(text);
  return result.ok
    ? { course: result.course }
    : { error: { folder: '', file: 'structure.json', line: undefined, message: result.message } };
}
