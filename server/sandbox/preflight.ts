/**
 * What the host must offer before any sandbox can start, checked one piece at a time at
 * start-up. Each failure is a SandboxError whose message says how to fix it; `nestbox doctor`
 * reuses the pure parts to report the same facts.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { CgroupLayout } from './cgroups.js';
import { SandboxError } from './errors.js';
import { findExecutable } from './executables.js';

const run = promisify(execFile);

/** The oldest crun Nestbox supports: idmapped bind mounts arrived in 1.5, and 1.4.4 fixed
 *  CVE-2022-27650 (containers started with inheritable capabilities). */
export const MIN_CRUN_VERSION = [1, 5] as const;

/** The first kernel with cpu.idle, which NESTBOX_CPU_IDLE sets on the parent cgroup and
 *  NESTBOX_DEMOTE_BUSY on busy sandboxes. */
export const MIN_CPU_IDLE_KERNEL = [5, 15] as const;

/** Reads "6.1.0-18-amd64" (os.release()) as [6, 1, 0]; undefined if it is not a version. */
export function parseKernelRelease(release: string): number[] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/** Reads "crun version 1.8.1" (the first line of `crun --version`); undefined if not crun. */
export function parseCrunVersion(output: string): number[] | undefined {
  const match = /^crun version (\d+)\.(\d+)(?:\.(\d+))?/m.exec(output);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function isAtLeast(version: readonly number[], minimum: readonly number[]): boolean {
  for (let index = 0; index < minimum.length; index++) {
    const have = version[index] ?? 0;
    const need = minimum[index] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/** Finds crun and checks its version; returns its path. */
export async function checkRuntime(crunPath: string): Promise<string> {
  const path = await findExecutable(crunPath);
  if (!path) {
    throw new SandboxError(
      'runtime-missing',
      `The OCI runtime "${crunPath}" was not found. Install it with: apt-get install -y crun`,
    );
  }
  const { stdout } = await run(path, ['--version']).catch(() => ({ stdout: '' }));
  const version = parseCrunVersion(stdout);
  const minimum = MIN_CRUN_VERSION.join('.');
  if (!version || !isAtLeast(version, MIN_CRUN_VERSION)) {
    throw new SandboxError(
      'runtime-too-old',
      `${path} is ${version ? `crun ${version.join('.')}` : 'not crun'}; Nestbox needs crun ` +
        `${minimum} or later. Install a current crun (apt-get install -y crun on Debian 12), ` +
        'or point NESTBOX_CRUN at one.',
    );
  }
  return path;
}

/** `sysctl` is the file that says how many user namespaces may exist (0: none at all). */
export async function checkUserNamespaces(
  sysctl = '/proc/sys/user/max_user_namespaces',
): Promise<void> {
  const text = await readFile(sysctl, 'utf8').catch(() => '0');
  if (Number(text.trim()) > 0) return;
  throw new SandboxError(
    'userns-unsupported',
    'User namespaces are disabled (user.max_user_namespaces is 0), and every sandbox needs one ' +
      'to run as an unprivileged host user. Enable them with: sysctl -w user.max_user_namespaces=15000',
  );
}

export function missingControllers(
  available: readonly string[],
  required: readonly string[],
): string[] {
  return required.filter((name) => !available.includes(name));
}

export function checkControllers(
  layout: CgroupLayout,
  available: readonly string[],
  required: readonly string[],
): void {
  const missing = missingControllers(available, required);
  if (missing.length === 0) return;
  throw new SandboxError(
    'controller-missing',
    `The cgroup controller(s) ${missing.join(', ')} are not available on this ${layout} host, ` +
      'and the configured limits need them. Enable them in the kernel (or on its command line, ' +
      'e.g. cgroup_enable=memory), or unset the settings that need them (NESTBOX_CPUSET, ' +
      'NESTBOX_IO_MBPS; NESTBOX_PIN_CPUS=0 for cpuset).',
  );
}
