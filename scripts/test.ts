/**
 * `npm test`: every check the project has, in the order CI needs them, ending with one
 * `N passed, N failed` line.
 *
 * 1. format, lint and typecheck (each counts as one check);
 * 2. what the real-sandbox tests need: crun, debootstrap, a C compiler and Chromium (installed
 *    with apt when missing), the console helper and the image (built once, with progress), and a
 *    production build of the pages for the browser tests;
 * 3. `nestbox scenario test scenarios`: every lesson step provably passable;
 * 4. vitest: unit, integration (real crun as root) and e2e (Debian's Chromium) projects.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cCompilerName, findExecutable, findStaticLibc } from '../server/sandbox/executables.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = `${ROOT}test-results/vitest.json`;
const BIN = `${ROOT}node_modules/.bin`;

function run(label: string, command: string, args: string[]): Promise<boolean> {
  console.log(`\n▶ ${label}: ${[command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`${label}: ${error.message}`);
      resolve(false);
    });
    child.on('exit', (code) => {
      resolve(code === 0);
    });
  });
}

/** Runs a command that ends with an `N passed, N failed` line, and returns those counts. */
function runCounted(
  label: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ passed: number; failed: number }> {
  console.log(`\n▶ ${label}: ${[command, ...args].join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on('error', () => {
      resolve({ passed: 0, failed: 1 });
    });
    child.on('exit', (code) => {
      const counts = /^(\d+) passed, (\d+) failed$/m.exec(output);
      if (!counts) resolve({ passed: 0, failed: 1 });
      else
        resolve({
          passed: Number(counts[1]),
          failed: Number(counts[2]) + (code === 0 ? 0 : counts[2] === '0' ? 1 : 0),
        });
    });
  });
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTests: number;
}

const present = (command: string) => async (): Promise<boolean> =>
  (await findExecutable(command)) !== undefined;

/** What the real-sandbox and browser tests need from the machine, and the Debian package of each. */
const TOOLS = [
  { present: present('crun'), aptPackage: 'crun' },
  { present: present('debootstrap'), aptPackage: 'debootstrap' },
  { present: present(cCompilerName()), aptPackage: 'gcc' },
  // The image's init is linked statically; gcc only recommends libc6-dev.
  { present: async () => (await findStaticLibc()) !== undefined, aptPackage: 'libc6-dev' },
  { present: present('/usr/bin/chromium'), aptPackage: 'chromium' },
];

/**
 * Installs missing tools with apt, as `npm start` does, so `npm test` on a fresh machine needs
 * nothing else. Without root or apt it names the exact command and the tests report the gap.
 */
async function installMissingTools(): Promise<boolean> {
  const missing = [];
  for (const tool of TOOLS) if (!(await tool.present())) missing.push(tool);
  if (missing.length === 0) return true;
  const packages = missing.map((tool) => tool.aptPackage);
  const apt = await findExecutable('apt-get');
  if (!apt || process.getuid?.() !== 0) {
    console.error(
      `\nMissing ${packages.join(', ')}. Install: apt-get install -y ${packages.join(' ')}`,
    );
    return false;
  }
  return (
    (await run('install missing tools', apt, ['update'])) &&
    (await run('install missing tools', apt, ['install', '-y', ...packages]))
  );
}

async function main(): Promise<number> {
  let passed = 0;
  let failed = 0;
  const tally = (ok: boolean): boolean => {
    if (ok) passed++;
    else failed++;
    return ok;
  };
  const check = async (label: string, command: string, args: string[]): Promise<boolean> =>
    tally(await run(label, command, args));

  await check('format', `${BIN}/prettier`, ['--check', '.']);
  await check('lint', `${BIN}/eslint`, ['--max-warnings=0', '.']);
  await check('typecheck', `${BIN}/tsc`, ['-p', 'tsconfig.json', '--noEmit']);
  await check('typecheck lib/ (no DOM, no Node)', `${BIN}/tsc`, [
    '-p',
    'lib/tsconfig.json',
    '--noEmit',
  ]);

  const nestbox = [`${ROOT}bin/nestbox.mjs`];
  const ready =
    tally(await installMissingTools()) &&
    (await check('console helper', process.execPath, ['scripts/build-console.mjs', '--strict'])) &&
    (await run('image status', process.execPath, [...nestbox, 'image', 'status']).then(
      (ok) => ok || check('image build', process.execPath, [...nestbox, 'image', 'build']),
    )) &&
    (await check('page build', `${BIN}/next`, ['build']));
  if (!ready) {
    console.error(
      '\nThe sandbox or page build is not ready, so the tests that need them cannot run.',
    );
  }

  // The curriculum's own CI: every scenario step must fail its check before solve, pass after.
  if (ready) {
    // Under the tests' own names, which the tests' teardown removes (scripts/test-leftovers.ts).
    const scenarios = await runCounted(
      'scenario test',
      process.execPath,
      [...nestbox, 'scenario', 'test', 'scenarios'],
      { NESTBOX_RUN_DIR: '/run/nestbox-it-npm-test', NESTBOX_CGROUP_PARENT: 'nestbox-it-npm-test' },
    );
    passed += scenarios.passed;
    failed += scenarios.failed;
  }

  await mkdir(`${ROOT}test-results`, { recursive: true });
  await run('tests', `${BIN}/vitest`, [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${RESULTS}`,
    ...(ready ? [] : ['--project', 'unit']),
  ]);
  try {
    const report = JSON.parse(await readFile(RESULTS, 'utf8')) as VitestReport;
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (report.numTotalTests === 0) failed++;
  } catch {
    console.error('vitest wrote no report');
    failed++;
  }
  if (!ready) failed++;

  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
