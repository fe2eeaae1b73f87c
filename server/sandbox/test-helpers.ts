/**
 * Shared by the sandbox integration tests. Each test file gets a host of its own: its own run
 * directory (start-up reaps everything in it), its own uid ranges and its own parent cgroup, so
 * files, servers and other test runs on the machine never touch each other's sandboxes.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadConfig, type Config } from '../config.js';
import { removeCgroupTree } from './cgroup-tree.js';
import { cgroupHierarchies, type CgroupLayout } from './cgroups.js';
import { openSandboxHost, type Sandbox, type SandboxHost } from './index.js';

export interface TestHost {
  config: Config;
  host: SandboxHost;
  /** Destroys every sandbox and removes the test's parent cgroup. */
  close(): Promise<void>;
}

/**
 * Opens a host for one test file. `slot` (0–9) picks its uid ranges: 1_100_000_000 plus ten
 * million per slot, clear of the servers' and the other test suites' ranges.
 */
export async function openTestHost(
  name: string,
  slot: number,
  env: Record<string, string> = {},
): Promise<TestHost> {
  const config = loadConfig({
    ...process.env,
    NESTBOX_RUN_DIR: `/run/nestbox-it-${name}`,
    NESTBOX_ID_BASE: String(1_100_000_000 + slot * 10_000_000),
    NESTBOX_CGROUP_PARENT: `nestbox-it-${name}`,
    ...env,
  });
  const host = await openSandboxHost({ ...config, maxSandboxes: 16 });
  return {
    config,
    host,
    async close() {
      await host.dispose();
      await removeParentCgroup(host.layout, config.cgroupParent);
    },
  };
}

/** Removes a test's parent cgroup (a server keeps its own; tests leave nothing behind). */
export async function removeParentCgroup(layout: CgroupLayout, parent: string): Promise<void> {
  for (const hierarchy of await cgroupHierarchies(layout)) {
    await removeCgroupTree(`${hierarchy}/${parent}`);
  }
}

export interface Started {
  sandbox: Sandbox;
  /** Everything the first process wrote to stdout so far. */
  output: () => string;
  /** Resolves with the exit code of `start` (crun run) when the first process ends. */
  exited: Promise<number>;
}

/** Creates a sandbox whose first process is `script` and starts it; the caller destroys it. */
export async function startSandbox(
  host: SandboxHost,
  script: string,
  options: { shell?: string; limits?: Parameters<SandboxHost['create']>[0]['limits'] } = {},
): Promise<Started> {
  const sandbox = await host.create({
    command: [options.shell ?? '/bin/sh', '-c', script],
    terminal: false,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const child = spawn(sandbox.start.file, sandbox.start.args, {
    env: sandbox.start.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code) => {
      resolve(code ?? -1);
    });
  });
  return { sandbox, output: () => stdout, exited };
}

/** Runs `script` as a sandbox's first process to its end; returns its exit code and stdout. */
export async function runScript(
  host: SandboxHost,
  script: string,
): Promise<{ code: number; stdout: string }> {
  const started = await startSandbox(host, script);
  try {
    const code = await started.exited;
    return { code, stdout: started.output() };
  } finally {
    await started.sandbox.destroy();
  }
}

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until the sandbox's first process runs, so that exec can join it. */
export async function waitUntilRunning(sandbox: Sandbox): Promise<void> {
  // A process in the cgroup is not enough: crun records the container as running a moment
  // later, and exec needs that record. An exec that succeeds proves both.
  await waitFor(async () =>
    (await sandbox.exec(['true']).catch(() => undefined))?.code === 0 ? true : undefined,
  );
}

/** Host pids of every process whose real uid is in `range`. */
export function hostProcessesWithUidIn(range: { hostId: number; size: number }): number[] {
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
