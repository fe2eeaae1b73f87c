/**
 * Scenario scripts in real sandboxes: verify hints, legacy "done", timeouts, background state,
 * and a full `nestbox scenario test` round trip on a Killercoda-shaped fixture.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openSandboxHost, type Sandbox, type SandboxHost } from '../sandbox/index.js';
import { backgroundState, runVerify, startBackground, waitForBackground } from './runtime.js';

const ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-it-scenarios',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-scenarios',
  NESTBOX_ID_BASE: '1350000000',
};
const config = loadConfig({ ...process.env, ...ENV });
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

  it('fails with a clear hint when the check hangs past its timeout', async () => {
    const result = await runVerify(sandbox, 'sleep 30', { timeoutMs: 500 });
    expect(result.passed).toBe(false);
    expect(result.hint).toMatch(/could not finish.*timed out/i);
  });
});

describe('background scripts', () => {
  it('run detached, report running, then their outcome, and log inside the sandbox', async () => {
    await startBackground(sandbox, 'ok', 'sleep 0.5; echo prepared');
    expect(await backgroundState(sandbox, 'ok')).toBe('running');
    expect(await waitForBackground(sandbox, 'ok', 10_000)).toBe('succeeded');
    const log = await sandbox.exec(['cat', '/tmp/.nestbox/background-ok.log']);
    expect(log.stdout).toBe('prepared\n');

    await startBackground(sandbox, 'broken', 'exit 4');
    expect(await waitForBackground(sandbox, 'broken', 10_000)).toBe('failed');
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
    const result = run('server/scenarios/fixtures/round-trip');
    expect(result.stdout).toMatch(
      /round-trip\s+1 Create a file\s+pass\s+fails before, passes after solve/,
    );
    expect(result.stdout).toMatch(/round-trip\s+2 Use the prepared file\s+pass/);
    expect(result.stdout).toMatch(/^2 passed, 0 failed$/m);
    expect(result.status).toBe(0);
  });

  it('fails a step whose check already passes before the work is done', () => {
    const result = run('server/scenarios/fixtures/passes-too-early');
    expect(result.stdout).toMatch(/FAIL\s+verify passes before the step is done/);
    expect(result.stdout).toMatch(/^0 passed, 1 failed$/m);
    expect(result.status).toBe(1);
  });
});
