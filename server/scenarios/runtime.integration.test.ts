/**
 * Scenario scripts in real sandboxes: verify hints, legacy "done", timeouts, background state,
 * assets, and full `nestbox scenario test` round trips, one on a Killercoda-shaped fixture.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetCopy } from '../../lib/scenario/index.js';
import { loadConfig } from '../config.js';
import { openSandboxHost, type Sandbox, type SandboxHost } from '../sandbox/index.js';
import { loadScenario } from './catalog.js';
import { ScenarioRuntimeError } from './errors.js';
import {
  backgroundState,
  backgroundStates,
  copyAssets,
  OUT_OF_PROCESSES_HINT,
  runScript,
  runVerify,
  startBackground,
} from './runtime.js';

// A run directory, cgroup and uid range of this file's own: opening a host reaps its run dir.
const ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-it-scenarios',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-scenarios',
  NESTBOX_ID_BASE: '1350000000',
};
const config = loadConfig({ ...process.env, ...ENV });
const FIXTURES = 'server/scenarios/fixtures';
let host: SandboxHost;
let sandbox: Sandbox;

beforeAll(async () => {
  host = await openSandboxHost({ ...config, maxSandboxes: 2 });
  sandbox = await host.create({ command: ['sleep', 'infinity'], terminal: false });
  spawn(sandbox.start.file, sandbox.start.args, { env: sandbox.start.env, stdio: 'ignore' });
  // Ready once exec works: the first process is up.
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await sandbox.exec(['true']).catch(() => undefined))?.code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await host.dispose();
});

describe('verify', () => {
  it('passes on exit 0', async () => {
    expect(await runVerify(sandbox, 'test -d /root')).toEqual({ passed: true, hint: '' });
  });

  it('turns FAIL: lines and the failure-reason file into the hint', async () => {
    const result = await runVerify(
      sandbox,
      'echo noise; echo "FAIL: no file yet"; echo "look in /tmp" > "$VERIFICATION_FAILURE_REASON"; exit 3',
    );
    expect(result).toEqual({ passed: false, hint: 'no file yet\nlook in /tmp' });
  });

  it('passes a Katacoda-legacy script that prints done, only in legacy mode', async () => {
    expect((await runVerify(sandbox, 'echo done; exit 1', { legacyDone: true })).passed).toBe(true);
    expect((await runVerify(sandbox, 'echo done; exit 1')).passed).toBe(false);
    expect((await runVerify(sandbox, 'echo nope', { legacyDone: true })).passed).toBe(false);
  });

  it('honours a #! line other than bash', async () => {
    const script = '#!/usr/bin/python3\nimport os, sys\nprint("FAIL: from python")\nsys.exit(1)';
    expect(await runVerify(sandbox, script)).toEqual({ passed: false, hint: 'from python' });
    // Without a #! line, bash; with #!/bin/sh, sh (dash), which has no $BASH_VERSION.
    expect((await runScript(sandbox, '[ -n "$BASH_VERSION" ]')).code).toBe(0);
    expect((await runScript(sandbox, '#!/bin/sh\n[ -z "$BASH_VERSION" ]')).code).toBe(0);
  });

  it('says at once that the sandbox is out of processes, rather than waiting out the timeout', async () => {
    // A sandbox of its own, held at a small pids limit, as in the fork-bomb lesson.
    const full = await host.create({
      command: ['sleep', 'infinity'],
      terminal: false,
      limits: { pids: 24 },
    });
    try {
      spawn(full.start.file, full.start.args, { env: full.start.env, stdio: 'ignore' });
      for (let attempt = 0; attempt < 100; attempt++) {
        if ((await full.exec(['true']).catch(() => undefined))?.code === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // A check that fills the sandbox itself: bash keeps retrying the fork that fails.
      let started = Date.now();
      const filling = await runVerify(full, 'while :; do sleep 300 & done', { timeoutMs: 10_000 });
      expect(filling).toEqual({ passed: false, hint: OUT_OF_PROCESSES_HINT });
      expect(Date.now() - started).toBeLessThan(5000);
      const stats = await full.stats();
      expect(stats.pidsCurrent).toBe(stats.pidsMax);

      // A check started while the sandbox is full does not even try.
      started = Date.now();
      expect(await runVerify(full, 'true')).toEqual({
        passed: false,
        hint: OUT_OF_PROCESSES_HINT,
      });
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await full.destroy();
    }
  });

  it('fails with a clear hint when the check hangs past its timeout', async () => {
    const result = await runVerify(sandbox, 'sleep 30', { timeoutMs: 500 });
    expect(result.passed).toBe(false);
    expect(result.hint).toMatch(/could not finish.*timed out/i);
  });
});

describe('background scripts', () => {
  it('run detached, report running, then their outcome, and log inside the sandbox', async () => {
    // Long enough that the state read below (an exec, slow on a busy host) finds it running.
    const job = await startBackground(sandbox, 'sleep 2; echo prepared', { name: 'ok' });
    expect(job.logFile).toBe('/tmp/.nestbox/background-ok.log');
    expect(await job.state()).toBe('running');
    expect(await job.wait(10_000)).toBe('succeeded');
    expect(await backgroundState(sandbox, 'ok')).toBe('succeeded');
    const log = await sandbox.exec(['cat', job.logFile]);
    expect(log.stdout).toBe('prepared\n');

    const broken = await startBackground(sandbox, 'exit 4');
    expect(broken.name).toMatch(/^\d+$/);
    expect(await broken.wait(10_000)).toBe('failed');
  });

  it('report several states in one read, in order, even from a tampered status file', async () => {
    await startBackground(sandbox, 'exit 0', { name: 'many-a' });
    await startBackground(sandbox, 'exit 2', { name: 'many-b' });
    await startBackground(sandbox, 'sleep 30', { name: 'many-c' });
    await expect
      .poll(async () => [...(await backgroundStates(sandbox, ['many-a', 'many-b', 'many-c']))])
      .toEqual([
        ['many-a', 'succeeded'],
        ['many-b', 'failed'],
        ['many-c', 'running'],
      ]);
    // The learner is root in there: an empty status file must not shift the others' answers.
    await sandbox.exec(['sh', '-c', ': > /tmp/.nestbox/background-many-a.status']);
    const states = await backgroundStates(sandbox, ['many-a', 'many-b', 'nothing-started']);
    expect([...states]).toEqual([
      ['many-a', 'running'],
      ['many-b', 'failed'],
      ['nothing-started', 'running'],
    ]);
  });
});

describe('assets', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestbox-assets-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("copies a Killercoda fixture's assets with their chmod", async () => {
    const loaded = await loadScenario(FIXTURES, 'killercoda-example');
    if (!loaded.ok) throw new Error('the fixture does not load');
    await copyAssets(sandbox, loaded.scenario.assets, join(FIXTURES, 'killercoda-example'));
    const listing = await sandbox.exec([
      'sh',
      '-c',
      'stat -c "%A %n" /root/bin/helper.sh /root/site/index.html /root/site/title.txt /tmp/config/site.conf',
    ]);
    expect(listing.stdout.split('\n').filter(Boolean)).toEqual([
      '-rwxr-xr-x /root/bin/helper.sh',
      '-rw-r--r-- /root/site/index.html',
      '-rw-r--r-- /root/site/title.txt',
      '-rw-r--r-- /tmp/config/site.conf',
    ]);
  });

  it('copies big and binary files intact, in chunks', async () => {
    const big = Buffer.alloc(300 * 1024);
    for (let index = 0; index < big.length; index++) big[index] = (index * 7919) % 256;
    await mkdir(join(dir, 'demo/assets'), { recursive: true });
    await writeFile(join(dir, 'demo/assets/big.bin'), big);
    await writeFile(join(dir, 'demo/assets/empty'), '');
    const assets: AssetCopy[] = [
      {
        pattern: '*',
        target: '/tmp/copied',
        matches: [
          { path: 'big.bin', files: [{ source: 'big.bin', destination: '/tmp/copied/big.bin' }] },
          { path: 'empty', files: [{ source: 'empty', destination: '/tmp/copied/empty' }] },
        ],
      },
    ];
    await copyAssets(sandbox, assets, join(dir, 'demo'));
    const sums = await sandbox.exec([
      'sh',
      '-c',
      'sha256sum /tmp/copied/big.bin; stat -c %s /tmp/copied/empty',
    ]);
    expect(sums.stdout).toBe(
      `${createHash('sha256').update(big).digest('hex')}  /tmp/copied/big.bin\n0\n`,
    );
  });

  it('copies an asset into /usr/local/bin with its chmod, and the shell runs it from PATH', async () => {
    await mkdir(join(dir, 'tool/assets'), { recursive: true });
    await writeFile(join(dir, 'tool/assets/lab-hello'), '#!/bin/sh\necho "hello from $0"\n');
    const assets: AssetCopy[] = [
      {
        pattern: 'lab-hello',
        target: '/usr/local/bin',
        chmod: '+x',
        matches: [
          {
            path: 'lab-hello',
            files: [{ source: 'lab-hello', destination: '/usr/local/bin/lab-hello' }],
          },
        ],
      },
    ];
    await copyAssets(sandbox, assets, join(dir, 'tool'));
    const run = await sandbox.exec([
      'bash',
      '-lc',
      'lab-hello; stat -c %A "$(command -v lab-hello)"',
    ]);
    expect(run.stdout).toBe('hello from /usr/local/bin/lab-hello\n-rwxr-xr-x\n');
  });

  it('fails with a named error when the sandbox cannot take a file', async () => {
    await mkdir(join(dir, 'ro/assets'), { recursive: true });
    await writeFile(join(dir, 'ro/assets/x'), 'x');
    // The parser refuses kernel filesystems as targets; the copy fails on them all the same.
    const assets: AssetCopy[] = [
      {
        pattern: 'x',
        target: '/sys',
        matches: [{ path: 'x', files: [{ source: 'x', destination: '/sys/x' }] }],
      },
    ];
    const failure = await copyAssets(sandbox, assets, join(dir, 'ro')).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ScenarioRuntimeError);
    expect(failure).toMatchObject({
      code: 'asset-copy-failed',
      message: expect.stringMatching(/Read-only/) as unknown,
    });
  });
});

describe('nestbox scenario test', () => {
  const run = (folder: string) =>
    spawnSync(process.execPath, ['bin/nestbox.mjs', 'scenario', 'test', folder], {
      encoding: 'utf8',
      env: { ...process.env, ...ENV, NESTBOX_ID_BASE: '1360000000' },
      timeout: 120_000,
    });

  it('proves a Killercoda-shaped fixture passable, step by step', () => {
    const result = run(`${FIXTURES}/round-trip`);
    expect(result.stdout).toMatch(
      /round-trip\s+1 Create a file\s+pass\s+fails before, passes after solve/,
    );
    expect(result.stdout).toMatch(/round-trip\s+2 Use the prepared file\s+pass/);
    expect(result.stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('passes a playground without steps once its intro is prepared, and fails a broken one', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'nestbox-playground-'));
    try {
      await mkdir(join(folder, 'ok'));
      await writeFile(join(folder, 'ok/index.json'), '{"title": "Playground"}');
      await mkdir(join(folder, 'broken'));
      await writeFile(
        join(folder, 'broken/index.json'),
        '{"title": "Broken", "details": {"intro": {"background": "setup.sh"}}}',
      );
      await writeFile(join(folder, 'broken/intro.md'), 'Hi');
      await writeFile(join(folder, 'broken/setup.sh'), 'exit 3', { mode: 0o755 });
      const result = run(folder);
      expect(result.stdout).toMatch(/^ok\s+intro\s+pass\s+no steps$/m);
      expect(result.stdout).toMatch(/^broken\s+intro\s+FAIL\s+background script failed/m);
      expect(result.stdout).toMatch(/^1 passed, 1 failed$/m);
      expect(result.status).toBe(1);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('runs a scenario in Killercoda’s exact format unchanged: assets, background, foreground', () => {
    const result = run(`${FIXTURES}/killercoda-example`);
    expect(result.stdout).toMatch(/killercoda-example\s+1 Build the page\s+pass/);
    expect(result.stdout).toMatch(/killercoda-example\s+2 Set the port\s+pass/);
    expect(result.stdout).toMatch(/killercoda-example\s+3 Check the site\s+pass/);
    expect(result.stdout).toMatch(/^3 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('runs the shapes of Killercoda’s own examples: no intro, an untitled step, a dot-file asset', () => {
    const result = run(`${FIXTURES}/killercoda-shapes`);
    expect(result.stdout).toMatch(
      /killercoda-shapes\s+1 Step 1\s+pass\s+fails before, passes after solve/,
    );
    expect(result.stdout).toMatch(/^1 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('runs a Katacoda-era scenario: courseData, code, and verify scripts that print done', () => {
    const result = run(`${FIXTURES}/katacoda-example`);
    expect(result.stdout).toMatch(/katacoda-example\s+1 Count the lines\s+pass/);
    expect(result.stdout).toMatch(/katacoda-example\s+2 Stop the loop\s+pass/);
    expect(result.stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('checks again, a second apart, when the check does not pass at once after solve, and says so', () => {
    const result = run(`${FIXTURES}/slow-solve`);
    expect(result.stdout).toMatch(
      /slow-solve\s+1 Wait for it\s+pass\s+fails before, passes after solve \(on check 3\)/,
    );
    expect(result.stdout).toMatch(/^1 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('fails a step whose check still fails after five checks, with the check’s reason', () => {
    const result = run(`${FIXTURES}/never-solved`);
    expect(result.stdout).toMatch(
      /FAIL\s+verify fails after solve \(5 checks, a second apart\): the solve does not do the work/,
    );
    expect(result.stdout).toMatch(/^0 passed, 1 failed$/m);
    expect(result.status).toBe(1);
  });

  it('fails a step whose check already passes before the work is done', () => {
    const result = run(`${FIXTURES}/passes-too-early`);
    expect(result.stdout).toMatch(/FAIL\s+verify passes before the step is done/);
    expect(result.stdout).toMatch(/^0 passed, 1 failed$/m);
    expect(result.status).toBe(1);
  });
});
