import { INDEX_FILE } from './checker';
import { imageType, resolveLink } from './links';
import { markdownReferences } from './markdown/references';
import type { Page, Scenario, ScenarioError } from './types';

/**
 * The checks of `nestbox scenario check` beyond parsing: what makes a scenario that loads still
 * wrong for a learner or for Killercoda. The parser's own warnings (unknown keys, image ids,
 * duplicate titles) are reported alongside by the caller.
 */

export interface LintInput {
  scenario: Scenario;
  /** The folder's files that have an executable bit (Killercoda runs scripts directly). */
  executable: ReadonlySet<string>;
}

export interface LintResult {
  errors: ScenarioError[];
  warnings: ScenarioError[];
}

function pagesOf(scenario: Scenario): { page: Page; name: string; step: boolean }[] {
  return [
    { page: scenario.intro, name: 'The intro', step: false },
    ...scenario.steps.map((page, index) => ({ page, name: `Step ${index + 1}`, step: true })),
    ...(scenario.finish ? [{ page: scenario.finish, name: 'The finish', step: false }] : []),
  ];
}

function lintMarkdown(page: Page, scenario: Scenario, result: LintResult): void {
  for (const reference of markdownReferences(page.markdown)) {
    const at = { file: page.file, line: reference.line };
    if (reference.kind === 'traffic') {
      result.warnings.push({
        ...at,
        message: `${reference.url} links to a port inside the sandbox, which Nestbox cannot open yet; learners see a note instead.`,
      });
      continue;
    }
    const target = resolveLink(reference.url, page.file, scenario.files);
    if (target.kind === 'missing') {
      result.errors.push({
        ...at,
        message: `The image "${reference.url}" does not exist (looked for ${target.path}). Add the file or correct the path; it is relative to ${page.file} or to the scenario folder.`,
      });
    } else if (target.kind === 'local' && imageType(target.path) === undefined) {
      result.errors.push({
        ...at,
        message: `"${reference.url}" is shown as an image but is not one; use a .png, .jpg, .gif, .webp, .avif or .svg file.`,
      });
    }
  }
}

export function lintScenario({ scenario, executable }: LintInput): LintResult {
  const result: LintResult = { errors: [], warnings: [] };
  if (scenario.steps.length === 0) {
    result.warnings.push({
      file: INDEX_FILE,
      line: 1,
      message:
        'The scenario has no steps, so learners get the intro and a terminal only. If that is not ' +
        'meant, add "details": { "steps": [{ "title": "Look around", "text": "step1.md" }] }.',
    });
  }
  for (const { page, name, step } of pagesOf(scenario)) {
    if (page.markdown.trim() === '') {
      (step ? result.errors : result.warnings).push({
        file: page.file,
        line: 1,
        message: `${name} ("${page.title}") has no text. Write what the learner should do in ${page.file}.`,
      });
    }
    lintMarkdown(page, scenario, result);
    for (const path of Object.values(page.scriptFiles)) {
      if (executable.has(path)) continue;
      result.errors.push({
        file: path,
        line: 1,
        message: `${path} is not executable, and Killercoda runs scripts directly. Fix it with: chmod +x ${path}`,
      });
    }
    if (step && page.scripts.verify !== undefined && page.scripts.solve === undefined) {
      const folder = page.scriptFiles.verify?.includes('/')
        ? page.scriptFiles.verify.slice(0, page.scriptFiles.verify.lastIndexOf('/'))
        : undefined;
      result.warnings.push({
        file: INDEX_FILE,
        line: page.line,
        message: `${name} has a verify script but no solve script, so \`nestbox scenario test\` cannot prove it passable. Add "solve": "${folder ?? 'stepN'}/solve.sh".`,
      });
    }
  }
  return result;
}
