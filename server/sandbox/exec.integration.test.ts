/**
 * exec and execStart on real sandboxes: the same namespaces, cgroup and hardening as the first
 * process, nothing of the server's, bounded in time and output.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandLine, Sandbox } from './index.js';
import {
  openTestHost,
  startSandbox,
  waitUntilRunning,
  type Started,
  type TestHost,
} from './test-helpers.js';

let test: TestHost;
let started: Started;
let sandbox: Sandbox;

beforeAll(async () => {
  test = await openTestHost('exec', 7);
  started = await startSandbox(test.host, 'exec sleep 300');
  sandbox = started.sandbox;
  await waitUntilRunning(sandbox);
});

afterAll(async () => {
  await sandbox.destroy();
  await test.close();
});

async function sh(script: string): Promise<string> {
  const result = await sandbox.exec(['/bin/sh', '-c', script]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

/** Runs a command line without a pty (terminal.integration.test.ts runs them in ptys). */
function runCommandLine(line: CommandLine): Promise<{ code: number; stdout: string }> {
  const child = spawn(line.file, line.args, { env: line.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      resolve({ code: code ?? -1, stdout });
    });
  });
}

describe('exec', () => {
  it('passes exit code, stdout and stderr through', async () => {
    const result = await sandbox.exec(['/bin/sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n', truncated: false });
  });

  it('sees only fds 0, 1 and 2 (and the one ls opens)', async () => {
    expect((await sh('ls /proc/self/fd')).trim().split('\n')).toEqual(['0', '1', '2', '3']);
  });

  it('gets none of the server environment', async () => {
    process.env.NESTBOX_EXEC_CANARY = 'canary-e7c1';
    const env = await sh('env');
    expect(env).not.toContain('canary-e7c1');
    expect(env).not.toMatch(/^(NODE|NESTBOX|VITEST|npm)_/m);
    expect(env).toContain('HOME=/root');
    expect(env).toContain('HOSTNAME=nestbox');
  });

  it('joins the first process namespaces and cgroup', async () => {
    const kinds = ['user', 'pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'];
    const script = kinds
      .map(
        (kind) =>
          `[ "$(readlink /proc/self/ns/${kind})" = "$(readlink /proc/1/ns/${kind})" ] && echo ${kind}`,
      )
      .join('; ');
    expect((await sh(script)).trim().split('\n')).toEqual(kinds);
    expect(await sh('cat /proc/self/cgroup')).toBe(await sh('cat /proc/1/cgroup'));
  });

  it('runs with the first process hardening', async () => {
    const status = await sh(
      'grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status; pwd; ulimit -Hc',
    );
    const init = await sh('grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/1/status');
    expect(status).toBe(`${init}/root\n0\n`);
    expect(status).toContain('NoNewPrivs:\t1');
  });

  it('bounds the output it keeps and still finishes', async () => {
    const result = await sandbox.exec(['/bin/sh', '-c', 'head -c 5000000 /dev/zero | tr "\\0" a'], {
      maxOutputBytes: 1000,
    });
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.truncated).toBe(true);
    expect(result.code).toBe(0);
  });

  it('kills a command that runs past its timeout, and what it started', async () => {
    const startedAt = performance.now();
    await expect(
      sandbox.exec(['/bin/sh', '-c', 'sleep 101 & sleep 102'], { timeoutMs: 500 }),
    ).rejects.toMatchObject({ name: 'SandboxError', code: 'exec-timeout' });
    expect(performance.now() - startedAt).toBeLessThan(2000);
    expect(await sh('ps -e -o args= | grep -c "^sleep 10[12]" || true')).toBe('0\n');
  });
});

describe('execStart', () => {
  it('runs a command without a pty, hardened the same way', async () => {
    const line = sandbox.execStart(['/bin/sh', '-c', 'grep NoNewPrivs /proc/self/status; tty'], {
      terminal: false,
    });
    const { stdout } = await runCommandLine(line);
    expect(stdout).toBe('NoNewPrivs:\t1\nnot a tty\n');
    expect(line.env).not.toHaveProperty('NESTBOX_EXEC_CANARY');
  });
});

describe('a destroyed sandbox', () => {
  it('refuses exec, execStart and stats with a named error', async () => {
    const other = await startSandbox(test.host, 'exec sleep 60');
    await waitUntilRunning(other.sandbox);
    await other.sandbox.destroy();
    await expect(other.sandbox.exec(['true'])).rejects.toMatchObject({ code: 'destroyed' });
    await expect(other.sandbox.stats()).rejects.toMatchObject({ code: 'destroyed' });
    expect(() => other.sandbox.execStart(['true'], { terminal: false })).toThrow(/destroyed/);
  });
});
