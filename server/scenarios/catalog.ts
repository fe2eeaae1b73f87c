import { lstat, readFile, readdir } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import {
  ASSETS_DIR,
  isValidSlug,
  parseCourse,
  parsePathway,
  parseScenario,
  PATHWAY_SUFFIX,
  STRUCTURE_FILE,
} from '../../lib/scenario/index';
import type { Course, Scenario, ScenarioError } from '../../lib/scenario/index';

/**
 * Reads scenario folders from disk and hands their text to the pure parser in lib/scenario.
 *
 * Only `*.json`, `*.md` and `*.sh` files are read (index, pages, step scripts); other files
 * (images, assets) are only listed, so a stray binary or huge file cannot slow the catalog
 * page. Symbolic links are skipped, so a folder cannot pull in files from elsewhere on the
 * host. Slugs are checked before any path is built, so a URL segment can never walk out of the
 * scenarios directory.
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
  | { ok: true; scenario: Scenario; warnings: CatalogError[] }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'invalid'; errors: CatalogError[] };

/** Limits that keep one careless folder from stalling every page load. */
const MAX_FILE_BYTES = 1024 * 1024;
/** All the text files of one folder together: what one page load may read. */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;
const MAX_FILES = 500;
const MAX_LISTED = 2000;
/** Folders below the scenario folder; deep enough for a project tree in assets/. */
const MAX_DEPTH = 8;

const READABLE = /\.(?:json|md|sh)$/;

/** A folder as the parser and the lint see it. */
export interface FolderRead {
  /** Text files (`*.json`, `*.md`, `*.sh`) by '/'-separated relative path. */
  files: Map<string, string>;
  /** Every regular file, read or not (images, assets), sorted. */
  paths: string[];
  /** Files with an executable bit. */
  executable: Set<string>;
  errors: CatalogError[];
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Lists every file under `root` and reads the text ones. Dot-files are editor and VCS clutter,
 * except inside assets/, where a `.bashrc` may be meant for the sandbox.
 */
export async function readFolder(folder: string, root: string): Promise<FolderRead> {
  const read: FolderRead = { files: new Map(), paths: [], executable: new Set(), errors: [] };
  const problem = (file: string | undefined, message: string): void => {
    read.errors.push({ folder, file, line: undefined, message });
  };

  let textBytes = 0;
  let listed = 0;
  /** Set once a limit is reached: the walk stops everywhere, and says so once. */
  let stopped = false;
  const stop = (file: string | undefined, message: string): void => {
    problem(file, message);
    stopped = true;
  };

  async function walk(relative: string, depth: number): Promise<void> {
    const entries = await readdir(join(root, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const inAssets = relative === ASSETS_DIR || relative.startsWith(`${ASSETS_DIR}/`);
    for (const entry of entries) {
      if (stopped) return;
      if (entry.name.startsWith('.') && (!inAssets || entry.name === '.git')) continue;
      const path = relative === '' ? entry.name : posix.join(relative, entry.name);
      // Folders count too, so a tree of empty folders cannot make the walk long either.
      if (++listed > MAX_LISTED) {
        stop(undefined, `More than ${MAX_LISTED} files and folders; the rest were ignored.`);
        return;
      }
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
        else problem(path, `Folders nest deeper than ${MAX_DEPTH} levels here; flatten them.`);
        continue;
      }
      if (!entry.isFile()) continue;
      const absolute = join(root, path);
      const { size, mode } = await lstat(absolute);
      read.paths.push(path);
      if ((mode & 0o111) !== 0) read.executable.add(path);
      if (!READABLE.test(entry.name)) continue;
      if (read.files.size >= MAX_FILES) {
        stop(undefined, `More than ${MAX_FILES} .json, .md and .sh files; the rest were ignored.`);
        return;
      }
      if (size > MAX_FILE_BYTES) {
        problem(path, `The file is ${size} bytes; the limit is ${MAX_FILE_BYTES}. Split it up.`);
        continue;
      }
      textBytes += size;
      if (textBytes > MAX_TEXT_BYTES) {
        stop(
          path,
          `The .json, .md and .sh files add up to more than ${MAX_TEXT_BYTES} bytes; this one and the rest were ignored. ` +
            'Give data files another extension in assets/, or download them in a background script.',
        );
        return;
      }
      read.files.set(path, await readFile(absolute, 'utf8'));
    }
  }

  try {
    await walk('', 0);
  } catch (error) {
    problem(undefined, `Could not read the folder: ${describeError(error)}`);
  }
  return read;
}

export function fromScenarioErrors(
  folder: string,
  errors: readonly ScenarioError[],
): CatalogError[] {
  return errors.map((e) => ({ folder, file: e.file, line: e.line, message: e.message }));
}

async function loadFolder(dir: string, folder: string): Promise<LoadScenarioResult> {
  const read = await readFolder(folder, join(dir, folder));
  const parsed = parseScenario(folder, read.files, read.paths);
  if (parsed.ok && read.errors.length === 0) {
    return {
      ok: true,
      scenario: parsed.scenario,
      warnings: fromScenarioErrors(folder, parsed.warnings),
    };
  }
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
          `"${folder}" is not a valid scenario folder name. Use only lowercase letters, digits, ` +
          'dashes and underscores, starting with a letter or digit; the name becomes the URL ' +
          '/learn/<name>.';
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

/** A course and the file it came from, relative to the scenarios directory. */
export type CourseFile = Course & { file: string };

/**
 * The courses at the top of the scenarios folder: Killercoda's `structure.json` first, then
 * Katacoda's `*-pathway.json` files by name. A broken file is reported, not thrown.
 */
export async function loadCourses(
  dir: string,
): Promise<{ courses: CourseFile[]; errors: CatalogError[] }> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name);
  } catch (error) {
    if (isMissing(error)) return { courses: [], errors: [] };
    throw error;
  }
  const files = [
    ...names.filter((name) => name === STRUCTURE_FILE),
    ...names.filter((name) => name.endsWith(PATHWAY_SUFFIX)).sort(),
  ];
  const courses: CourseFile[] = [];
  const errors: CatalogError[] = [];
  for (const file of files) {
    const { size } = await lstat(join(dir, file));
    if (size > MAX_FILE_BYTES) {
      errors.push({
        folder: '',
        file,
        line: undefined,
        message: `The file is ${size} bytes; the limit is ${MAX_FILE_BYTES}. A course lists folders; it should be small.`,
      });
      continue;
    }
    const text = await readFile(join(dir, file), 'utf8');
    const result = file === STRUCTURE_FILE ? parseCourse(text) : parsePathway(text, file);
    if (result.ok) courses.push({ ...result.course, file });
    else errors.push({ folder: '', file, line: result.line, message: result.message });
  }
  return { courses, errors };
}
