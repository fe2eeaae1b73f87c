/**
 * Real sandboxes through the module API and through `nestbox shell`: real crun, real cgroups,
 * real namespaces. Runs as root (CI does).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import {
  cgroupDirs,
  cgroupFile,
  openSandboxHost,
  type Sandbox,
  type SandboxHost,
} from './index.js';
import { listContainers } from './runtime.js';

const config = loadConfig({ ...process.env, NESTBOX_PIDS_LIMIT: '64' });
let host: SandboxHost;

beforeAll(async () => {
  host = await openSandboxHost({ ...config, maxSandboxes: 8 });
});

afterAll(async () => {
  await host.dispose();
});

/** Runs a sandbox whose first process is `script`, and returns its exit code and output. */
async function runScript(
  script: string,
): Promise<{ code: number; stdout: string; sandbox: Sandbox }> {
  const sandbox = await host.create({ command: ['/bin/sh', '-c', script], terminal: false });
  try {
    const child = spawn(sandbox.start.file, sandbox.start.args, { env: sandbox.start.env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number>((resolve) => {
      child.on('exit', (exitCode) => {
        resolve(exitCode ?? -1);
      });
    });
    return { code, stdout, sandbox };
  } finally {
    await sandbox.destroy();
  }
}

/** Starts a sandbox whose first process keeps running; the caller destroys it. */
async function startLongRunning(
  script: string,
  shell = '/bin/sh',
): Promise<{ sandbox: Sandbox; output: () => string }> {
  const sandbox = await host.create({ command: [shell, '-c', script], terminal: false });
  const child = spawn(sandbox.start.file, sandbox.start.args, { env: sandbox.start.env });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return { sandbox, output: () => stdout };
}

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function hostProcessesWithUidIn(range: { hostId: number; size: number }): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid >= range.hostId && uid < range.hostId + range.size) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('a sandbox', () => {
  it('has the lab hostname (through nestbox shell)', () => {
    const result = spawnSync('node', ['bin/nestbox.mjs', 'shell', '--', 'hostname'], {
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(config.hostname);
    expect(result.status).toBe(0);
  });

  it('passes the command exit status through nestbox shell', () => {
    const result = spawnSync('node', ['bin/nestbox.mjs', 'shell', '--', 'sh', '-c', 'exit 7']);
    expect(result.status).toBe(7);
  });

  it('shows only its own processes', async () => {
    const { stdout } = await runScript('ps -e -o pid=,comm=');
    const processes = stdout
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/));
    expect(processes).toEqual([
      ['1', 'sh'],
      [expect.any(String), 'ps'],
    ]);
  });

  it('has only the loopback interface', async () => {
    const { stdout } = await runScript('ip -o link');
    const names = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(':')[1]?.trim());
    expect(names).toEqual(['lo']);
  });

  it('lives in seven namespaces of its own', async () => {
    const kinds = ['user', 'pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'];
    const { stdout } = await runScript(
      kinds.map((kind) => `readlink /proc/self/ns/${kind}`).join('; '),
    );
    const inside = stdout.trim().split('\n');
    const outside = kinds.map((kind) => readlinkSync(`/proc/self/ns/${kind}`));
    expect(inside).toHaveLength(kinds.length);
    inside.forEach((namespace, index) => {
      expect(namespace).toMatch(/^\w+:\[\d+\]$/);
      expect(namespace).not.toBe(outside[index]);
    });
  });

  it('is root inside and an unprivileged uid on the host', async () => {
    const { sandbox, output } = await startLongRunning('id -u; exec sleep 60');
    try {
      await waitFor(() => (output().includes('\n') ? true : undefined));
      expect(output().trim()).toBe('0');
      const pids = hostProcessesWithUidIn(sandbox.idRange);
      expect(pids.length).toBeGreaterThan(0);
      const hostUid = Number(
        /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pids[0]}/status`, 'utf8'))?.[1],
      );
      expect(hostUid).toBe(sandbox.idRange.hostId);
      expect(hostUid).toBeGreaterThanOrEqual(100_000);
    } finally {
      await sandbox.destroy();
    }
  });

  it('gets a distinct uid range from every other live sandbox', async () => {
    const a = await host.create({ terminal: false });
    const b = await host.create({ terminal: false });
    try {
      expect(Math.abs(a.idRange.hostId - b.idRange.hostId)).toBeGreaterThanOrEqual(a.idRange.size);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it('has no server environment', async () => {
    process.env.NESTBOX_TEST_CANARY = 'canary-7f3a9';
    const { stdout } = await runScript('env; cat /proc/1/environ');
    expect(stdout).not.toContain('canary-7f3a9');
    expect(stdout).toContain('HOSTNAME=nestbox');
  });

  it('has a read-only root and size-limited writable tmpfs', async () => {
    const { stdout } = await runScript(
      'touch /usr/x 2>&1; touch /etc/x 2>&1; df -B1 --output=target,size /root /tmp /run | tail -n +2',
    );
    expect(stdout).toMatch(/\/usr\/x': Read-only file system/);
    expect(stdout).toMatch(/\/etc\/x': Read-only file system/);
    for (const mount of ['/root', '/tmp', '/run']) {
      expect(stdout).toMatch(new RegExp(`${mount}\\s+${config.limits.tmpfsBytes}\\b`));
    }
  });

  it('holds a fork bomb at the pids limit, and the next sandbox starts fine', async () => {
    const { sandbox } = await startLongRunning(
      'exec 2>/dev/null; :(){ :|:& };: ; exec sleep 60',
      '/bin/bash',
    );
    try {
      const current = cgroupFile(host.layout, sandbox.cgroupPath, 'pids.current');
      const max = cgroupFile(host.layout, sandbox.cgroupPath, 'pids.max');
      expect(await waitFor(() => readFile(max, 'utf8').catch(() => undefined))).toBe('64\n');
      let peak = 0;
      await waitFor(async () => {
        peak = Math.max(peak, Number(await readFile(current, 'utf8')));
        return peak >= 64 ? true : undefined;
      });
      // Sample for a while: the count must never go past the limit.
      for (let sample = 0; sample < 20; sample++) {
        peak = Math.max(peak, Number(await readFile(current, 'utf8')));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(peak).toBe(64);
    } finally {
      await sandbox.destroy();
    }
    const next = await runScript('echo still-fine');
    expect(next.stdout.trim()).toBe('still-fine');
  });

  it('leaves nothing behind when it ends', async () => {
    const { sandbox } = await startLongRunning(
      'setsid sleep 300 & nohup sleep 300 >/dev/null 2>&1 & exec sleep 300',
    );
    await waitFor(() => (hostProcessesWithUidIn(sandbox.idRange).length >= 3 ? true : undefined));
    await sandbox.destroy();

    expect(hostProcessesWithUidIn(sandbox.idRange)).toEqual([]);
    expect(
      await listContainers({
        crunPath: config.crunPath,
        stateDir: `${config.runDir}/crun`,
        layout: host.layout,
      }),
    ).not.toContain(sandbox.id);
    expect(existsSync(`${config.runDir}/bundles/${sandbox.id}`)).toBe(false);
    for (const dir of Object.values(cgroupDirs(host.layout, sandbox.cgroupPath))) {
      expect(existsSync(dir)).toBe(false);
    }
  });
});
