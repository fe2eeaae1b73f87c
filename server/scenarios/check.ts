/**
 * The findings of `nestbox scenario check` for one folder: what keeps it from loading (parser
 * errors), what would go wrong for a learner (lint), and what is probably a typo (warnings).
 */
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { isValidSlug, parseScenario } from '../../lib/scenario/index.js';
import { lintScenario } from '../../lib/scenario/lint.js';
import { fromScenarioErrors, loadCourses, readFolder, type CatalogError } from './catalog.js';

export interface CheckReport {
  errors: CatalogError[];
  warnings: CatalogError[];
}

/** File, then line; findings without a line first. */
export function byLocation(a: CatalogError, b: CatalogError): number {
  return (
    a.folder.localeCompare(b.folder) ||
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0)
  );
}

/** Checks one scenario folder (an absolute path). */
export async function checkScenario(folderPath: string): Promise<CheckReport> {
  const folder = basename(folderPath);
  const read = await readFolder(folder, folderPath);
  const parsed = parseScenario(folder, read.files, read.paths);
  const errors = [...read.errors];
  const warnings = fromScenarioErrors(folder, parsed.warnings);
  if (!parsed.ok) {
    errors.push(...fromScenarioErrors(folder, parsed.errors));
  } else {
    const lint = lintScenario({ scenario: parsed.scenario, executable: read.executable });
    errors.push(...fromScenarioErrors(folder, lint.errors));
    warnings.push(...fromScenarioErrors(folder, lint.warnings));
  }
  return { errors: errors.sort(byLocation), warnings: warnings.sort(byLocation) };
}

/** Checks the courses of a scenarios directory: their files, and that each names a folder. */
export async function checkCourses(dir: string): Promise<CheckReport> {
  const { courses, errors } = await loadCourses(dir);
  const folders = new Set(
    (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && isValidSlug(entry.name))
      .map((entry) => entry.name),
  );
  for (const course of courses) {
    for (const [index, slug] of course.slugs.entries()) {
      if (folders.has(slug)) continue;
      errors.push({
        folder: '',
        file: course.file,
        line: course.lines[index],
        message: `"${slug}" is not a scenario folder in ${basename(dir)}/. Create it or correct the name.`,
      });
    }
  }
  return { errors, warnings: [] };
}
