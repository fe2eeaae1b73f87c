/**
 * `nestbox scenario check [DIR...]`: lints scenarios without starting anything. Prints each
 * finding as `path:line: error|warning: message` (paths relative to the working directory, so
 * editors can jump to them) and exits non-zero if there is any error.
 */
import { join, relative } from 'node:path';
import type { CatalogError } from '../scenarios/catalog.js';
import { byLocation, checkCourses, checkScenario, type CheckReport } from '../scenarios/check.js';
import type { FolderSet } from './scenario.js';

function location(base: string, finding: CatalogError): string {
  const path = relative(process.cwd(), join(base, finding.file ?? '')) || '.';
  return finding.line === undefined ? path : `${path}:${finding.line}`;
}

/** Errors and warnings together in file and line order, as compilers print them. */
function print(base: string, report: CheckReport): void {
  const findings = [
    ...report.errors.map((finding) => ({ finding, kind: 'error' })),
    ...report.warnings.map((finding) => ({ finding, kind: 'warning' })),
  ].sort((a, b) => byLocation(a.finding, b.finding));
  for (const { finding, kind } of findings) {
    console.log(`${location(base, finding)}: ${kind}: ${finding.message}`);
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

export async function scenarioCheck(folders: FolderSet): Promise<number> {
  if (folders.scenarios.length === 0) {
    console.error('nestbox: no scenario folders found there.');
    return 1;
  }
  let errors = 0;
  let warnings = 0;
  const count = (base: string, report: CheckReport) => {
    print(base, report);
    errors += report.errors.length;
    warnings += report.warnings.length;
  };
  for (const collection of folders.collections) count(collection, await checkCourses(collection));
  for (const folder of folders.scenarios) count(folder, await checkScenario(folder));
  console.log(
    `\nChecked ${plural(folders.scenarios.length, 'scenario')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.`,
  );
  return errors === 0 ? 0 : 1;
}
