/**
 * `nestbox scenario test [DIR...]`: proves each scenario can be passed, and is not passed
 * before the learner does the work. For every scenario it starts a fresh sandbox, runs the
 * intro's background script, and then per step: verify must FAIL, solve runs, verify must PASS.
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Page, Scenario } from '../../lib/scenario/index.js';
import { loadConfig, type Config } from '../config.js';
import { openSandboxHost, type Sandbox, type SandboxHost } from '../sandbox/index.js';
import { formatCatalogLocation, loadScenario } from '../scenarios/catalog.js';
import { runScript, runVerify, startBackground, waitForBackground } from '../scenarios/runtime.js';

const BACKGROUND_TIMEOUT_MS = 120_000;

interface Row {
  scenario: string;
  step: string;
  passed: boolean;
  detail: string;
}

/** The scenario folders named: a folder with index.json, or a folder of such folders. */
async function scenarioFolders(paths: string[]): Promise<string[]> {
  const folders: string[] = [];
  for (const path of paths.map((given) => resolve(given))) {
    if (await exists(join(path, 'index.json'))) {
      folders.push(path);
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true });
    for (const entry of entries
      .filter((item) => item.isDirectory())
      .sort((a, b) => a.name.localeCompare(b.name))) {
      if (await exists(join(path, entry.name, 'index.json'))) folders.push(join(path, entry.name));
    }
  }
  return folders;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A host of its own (run directory, parent cgroup, uid range after the lab's), so testing
 * scenarios on a machine that also serves a lab never reaps or collides with its sandboxes.
 */
function testHost(config: Config): Promise<SandboxHost> {
  return openSandboxHost({
    ...config,
    runDir: `${config.runDir}-scenario-test`,
    cgroupParent: `${config.cgroupParent}-scenario-test`,
    idBase: config.idBase + config.maxSessions * 65536,
    maxSandboxes: 2,
  });
}

/** A sandbox whose first process just waits, ready for exec. */
async function startSandbox(host: SandboxHost): Promise<Sandbox> {
  const sandbox = await host.create({ command: ['sleep', 'infinity'], terminal: false });
  spawn(sandbox.start.file, sandbox.start.args, { env: sandbox.start.env, stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await sandbox.exec(['true']).then(
      (result) => result.code === 0,
      () => false,
    );
    if (ready) return sandbox;
    if (Date.now() > deadline) {
      await sandbox.destroy();
      throw new Error('the sandbox did not start within 15 s');
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function runBackground(
  sandbox: Sandbox,
  name: string,
  page: Page,
): Promise<string | undefined> {
  if (page.scripts.background === undefined) return undefined;
  await startBackground(sandbox, name, page.scripts.background);
  const state = await waitForBackground(sandbox, name, BACKGROUND_TIMEOUT_MS);
  return state === 'succeeded' ? undefined : `background script ${state}`;
}

async function testStep(sandbox: Sandbox, scenario: Scenario, index: number): Promise<Row> {
  const step = scenario.steps[index] as Page;
  const row = (passed: boolean, detail: string): Row => ({
    scenario: scenario.slug,
    step: `${index + 1} ${step.title}`,
    passed,
    detail,
  });
  const backgroundProblem = await runBackground(sandbox, `step${index + 1}`, step);
  if (backgroundProblem) return row(false, backgroundProblem);
  const { verify, solve } = step.scripts;
  if (verify === undefined) {
    // Nothing to check, but the solve must still leave the sandbox ready for the next step.
    if (solve !== undefined) {
      const solved = await runScript(sandbox, solve);
      if (solved.code !== 0)
        return row(false, `solve exited ${solved.code}: ${lastLine(solved.output)}`);
    }
    return row(true, 'no check');
  }
  const options = { legacyDone: scenario.legacyVerify };
  const before = await runVerify(sandbox, verify, options);
  if (before.passed) return row(false, 'verify passes before the step is done');
  if (solve === undefined)
    return row(false, 'no solve script, so the step cannot be proven passable');
  const solved = await runScript(sandbox, solve);
  if (solved.code !== 0)
    return row(false, `solve exited ${solved.code}: ${lastLine(solved.output)}`);
  const after = await runVerify(sandbox, verify, options);
  return after.passed
    ? row(true, 'fails before, passes after solve')
    : row(false, `verify fails after solve: ${after.hint}`);
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

async function testScenario(host: SandboxHost, folder: string): Promise<Row[]> {
  const loaded = await loadScenario(dirname(folder), basename(folder));
  if (!loaded.ok) {
    const detail =
      loaded.reason === 'invalid'
        ? loaded.errors
            .map((error) => `${formatCatalogLocation(error)} ${error.message}`)
            .join('; ')
        : 'not a scenario folder';
    return [{ scenario: basename(folder), step: '-', passed: false, detail }];
  }
  const { scenario } = loaded;
  const sandbox = await startSandbox(host);
  try {
    const introProblem = await runBackground(sandbox, 'intro', scenario.intro);
    if (introProblem)
      return [{ scenario: scenario.slug, step: 'intro', passed: false, detail: introProblem }];
    const rows: Row[] = [];
    for (let index = 0; index < scenario.steps.length; index++) {
      rows.push(await testStep(sandbox, scenario, index));
    }
    return rows;
  } finally {
    await sandbox.destroy();
  }
}

function printTable(rows: Row[]): void {
  const widths = [
    Math.max(8, ...rows.map((row) => row.scenario.length)),
    Math.max(4, ...rows.map((row) => row.step.length)),
  ] as const;
  console.log(`${'scenario'.padEnd(widths[0])}  ${'step'.padEnd(widths[1])}  result  detail`);
  for (const row of rows) {
    console.log(
      `${row.scenario.padEnd(widths[0])}  ${row.step.padEnd(widths[1])}  ${(row.passed ? 'pass' : 'FAIL').padEnd(6)}  ${row.detail}`,
    );
  }
}

export async function scenarioTest(paths: string[]): Promise<number> {
  const config = loadConfig();
  const folders = await scenarioFolders(paths.length > 0 ? paths : [config.scenariosDir]);
  if (folders.length === 0) {
    console.error('nestbox: no scenario folders (with an index.json) found there.');
    return 1;
  }
  const host = await testHost(config);
  const rows: Row[] = [];
  try {
    for (const folder of folders) rows.push(...(await testScenario(host, folder)));
  } finally {
    await host.dispose();
  }
  printTable(rows);
  const failed = rows.filter((row) => !row.passed).length;
  console.log(`\n${rows.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}
