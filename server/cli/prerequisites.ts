/**
 * What this machine needs for Nestbox, checked one piece at a time. `doctor` reports these;
 * `start` installs what apt can install and stops with the exact fix for the rest.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { detectCgroupLayout } from '../sandbox/cgroups.js';
import { findExecutable } from '../sandbox/executables.js';
import { imageStatus } from '../sandbox/image.js';
import { relayPath } from '../sandbox/relay-path.js';

const run = promisify(execFile);

export interface Check {
  name: string;
  ok: boolean;
  /** What was found, e.g. a version or a layout. */
  detail: string;
  /** The exact command or step that fixes it, when not ok. */
  fix?: string;
  /** The Debian package that provides it, when apt can fix it. */
  aptPackage?: string;
}

async function commandCheck(
  name: string,
  command: string,
  aptPackage: string,
  versionArgs: string[],
): Promise<Check> {
  const path = await findExecutable(command);
  if (!path) {
    return {
      name,
      ok: false,
      detail: 'not found',
      fix: `apt-get install -y ${aptPackage}`,
      aptPackage,
    };
  }
  try {
    const { stdout } = await run(path, versionArgs);
    return { name, ok: true, detail: `${path} (${stdout.split('\n')[0]?.trim() ?? ''})` };
  } catch {
    return { name, ok: true, detail: path };
  }
}

/** Controllers the limits need, by name as they appear in /proc/cgroups or cgroup.controllers. */
const NEEDED_CONTROLLERS = ['cpu', 'memory', 'pids'];

async function availableControllers(layout: string): Promise<string[]> {
  if (layout === 'v2') {
    const text = await readFile('/sys/fs/cgroup/cgroup.controllers', 'utf8').catch(() => '');
    return text.trim().split(/\s+/).filter(Boolean);
  }
  const text = await readFile('/proc/cgroups', 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('\t'))
    .filter((fields) => fields[3] === '1')
    .map((fields) => fields[0] ?? '');
}

async function cgroupCheck(): Promise<Check> {
  const layout = await detectCgroupLayout();
  if (!layout) {
    return {
      name: 'cgroups',
      ok: false,
      detail: 'no cgroup filesystem at /sys/fs/cgroup',
      fix: 'Run on a Linux host with cgroups mounted at /sys/fs/cgroup (every systemd host has them).',
    };
  }
  const controllers = await availableControllers(layout);
  const missing = NEEDED_CONTROLLERS.filter((name) => !controllers.includes(name));
  const detail = `${layout === 'hybrid' ? 'hybrid (v1 controllers + empty v2 tree)' : layout}; controllers: ${controllers.join(' ')}`;
  if (missing.length > 0) {
    return {
      name: 'cgroups',
      ok: false,
      detail,
      fix: `Enable the ${missing.join(', ')} controller(s) in the kernel or on its command line.`,
    };
  }
  return { name: 'cgroups', ok: true, detail };
}

async function userNamespaceCheck(): Promise<Check> {
  const max = Number(
    (await readFile('/proc/sys/user/max_user_namespaces', 'utf8').catch(() => '0')).trim(),
  );
  return max > 0
    ? { name: 'user namespaces', ok: true, detail: `enabled (max ${max})` }
    : {
        name: 'user namespaces',
        ok: false,
        detail: 'disabled',
        fix: 'sysctl -w user.max_user_namespaces=15000',
      };
}

function rootCheck(): Check {
  const uid = process.getuid?.() ?? -1;
  return uid === 0
    ? { name: 'privileges', ok: true, detail: 'running as root' }
    : {
        name: 'privileges',
        ok: false,
        detail: `running as uid ${uid}`,
        fix: 'Run as root: Nestbox creates cgroups and maps each sandbox to its own uid range.',
      };
}

async function relayCheck(): Promise<Check> {
  const path = relayPath();
  if (await findExecutable(path)) return { name: 'console relay', ok: true, detail: path };
  const compiler = await findExecutable(process.env.CC ?? 'cc');
  return {
    name: 'console relay',
    ok: false,
    detail: `${path} not built`,
    fix: compiler ? 'npm run build:relay' : 'apt-get install -y gcc && npm run build:relay',
    ...(compiler ? {} : { aptPackage: 'gcc' }),
  };
}

async function imageCheck(config: Config): Promise<Check> {
  const status = await imageStatus(config.dataDir);
  return status.ready
    ? { name: 'image', ok: true, detail: `${status.rootfs} (built ${status.builtAt ?? '?'})` }
    : {
        name: 'image',
        ok: false,
        detail: status.reason ?? 'not built',
        fix: 'npx nestbox image build',
      };
}

export async function checkSystem(config: Config): Promise<Check[]> {
  return Promise.all([
    Promise.resolve(rootCheck()),
    cgroupCheck(),
    userNamespaceCheck(),
    commandCheck('crun', config.crunPath, 'crun', ['--version']),
    commandCheck('unshare', 'unshare', 'util-linux', ['--version']),
    commandCheck('debootstrap', 'debootstrap', 'debootstrap', ['--version']),
    relayCheck(),
    imageCheck(config),
  ]);
}
