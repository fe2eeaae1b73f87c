/**
 * `nestbox scenario test [DIR...]`: proves each scenario can be passed, and is not passed
 * before the learner does the work. For every scenario it starts a fresh sandbox, copies the
 * assets and runs the intro's background and foreground scripts, and then per step: verify
 * must FAIL, solve runs, verify must PASS (within a few checks, a second apart).
 */
import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { Page, Scenario } from '../../lib/scenario/index.js';
import { loadConfig, type Config } from '../config.js';
import { openSandboxHost, type Sandbox, type SandboxHost } from '../sandbox/index.js';
import { formatCatalogLocation, loadScenario } from '../scenarios/catalog.js';
import { pageJobName } from '../scenarios/lesson-runtime.js';
import {
  copyAssets,
  runScript,
  runVerify,
  startBackground,
  type ExecTarget,
  type VerifyTarget,
} from '../scenarios/runtime.js';

const BACKGROUND_TIMEOUT_MS = 120_000;
const FOREGROUND_TIMEOUT_MS = 120_000;
/**
 * After solve, the check runs up to this many times, a second apart, as a learner presses Check
 * again. A solve that starts something in the background may need longer than its own pause on a
 * busy host, where sandboxes yield the CPU to the host's processes. The row names the check that
 * passed when it was not the first, so a step that often needs a second look shows.
 */
const CHECKS_AFTER_SOLVE = 5;
const CHECK_AGAIN_MS = 1000;

interface Row {
  scenario: string;
  step: string;
  passed: boolean;
  detail: string;
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
    // One sandbox at a time has no neighbour to yield to.
    demoteBusy: false,
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

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * What opening a page does: its background script starts hidden and its foreground script is
 * typed (here: run) at once, as on Killercoda, where the foreground often waits for a file the
 * background writes. Returns a problem, or undefined when both ended well.
 */
async function openPage(
  sandbox: ExecTarget,
  name: string,
  page: Page,
): Promise<string | undefined> {
  const { background, foreground } = page.scripts;
  const job =
    background === undefined ? undefined : await startBackground(sandbox, background, { name });
  if (foreground !== undefined) {
    const typed = await runScript(sandbox, foreground, FOREGROUND_TIMEOUT_MS).catch(
      (error: unknown) => ({
        code: -1,
        output: error instanceof Error ? error.message : String(error),
      }),
    );
    if (typed.code !== 0)
      return `foreground script exited ${typed.code}: ${lastLine(typed.output)}`;
  }
  const state = await job?.wait(BACKGROUND_TIMEOUT_MS);
  if (state === undefined || state === 'succeeded') return undefined;
  return state === 'running'
    ? `background script still running after ${BACKGROUND_TIMEOUT_MS / 1000} s (log: ${job?.logFile ?? ''})`
    : `background script failed (log: ${job?.logFile ?? ''})`;
}

async function testStep(sandbox: VerifyTarget, scenario: Scenario, index: number): Promise<Row> {
  const step = scenario.steps[index] as Page;
  const row = (passed: boolean, detail: string): Row => ({
    scenario: scenario.slug,
    step: `${index + 1} ${step.title}`,
    passed,
    detail,
  });
  const problem = await openPage(sandbox, pageJobName(index + 1), step);
  if (problem !== undefined) return row(false, problem);
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
  let after = await runVerify(sandbox, verify, options);
  let checks = 1;
  while (!after.passed && checks < CHECKS_AFTER_SOLVE) {
    await new Promise((resolve) => setTimeout(resolve, CHECK_AGAIN_MS));
    after = await runVerify(sandbox, verify, options);
    checks++;
  }
  if (!after.passed) {
    return row(false, `verify fails after solve (${checks} checks, a second apart): ${after.hint}`);
  }
  return row(
    true,
    checks === 1
      ? 'fails before, passes after solve'
      : `fails before, passes after solve (on check ${checks})`,
  );
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
    const setup = async (): Promise<string | undefined> => {
      try {
        await copyAssets(sandbox, scenario.assets, folder);
      } catch (error) {
        return `assets: ${error instanceof Error ? error.message : String(error)}`;
      }
      return openPage(sandbox, pageJobName(0), scenario.intro);
    };
    const introProblem = await setup();
    if (introProblem)
      return [{ scenario: scenario.slug, step: 'intro', passed: false, detail: introProblem }];
    // A playground (no steps) still proves its assets and intro scripts run: one row says so.
    if (scenario.steps.length === 0) {
      return [{ scenario: scenario.slug, step: 'intro', passed: true, detail: 'no steps' }];
    }
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

export async function scenarioTest(folders: string[]): Promise<number> {
  if (folders.length === 0) {
    console.error('nestbox: no scenario folders (with an index.json) found there.');
    return 1;
  }
  const host = await testHost(loadConfig());
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
