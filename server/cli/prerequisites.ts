/**
 * What this machine needs for Nestbox, checked one piece at a time. `doctor` reports these;
 * `start` installs what apt can install and stops with the exact fix for the rest.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config.js';
import { diskOf } from '../sandbox/block-device.js';
import { availableControllers, CGROUP_ROOT, detectCgroupLayout } from '../sandbox/cgroups.js';
import { cCompilerName, findExecutable, findStaticLibc } from '../sandbox/executables.js';
import { imageStatus } from '../sandbox/image.js';
import {
  isAtLeast,
  MIN_CPU_IDLE_KERNEL,
  MIN_CRUN_VERSION,
  missingControllers,
  parseCrunVersion,
  parseKernelRelease,
} from '../sandbox/preflight.js';
import { consolePath } from '../sandbox/console-path.js';
import { probeIdmappedMounts } from '../sandbox/rootfs.js';
import { CONTAINER_PREFIX } from '../sandbox/sandbox.js';
import { requiredControllers } from '../sandbox/resources.js';

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

const LAYOUT_NAMES = {
  v2: 'v2 (unified)',
  hybrid: 'hybrid (v1 controllers + empty v2 tree)',
  v1: 'v1 (legacy)',
} as const;

/** The layout, the controllers the host offers, and any the configured limits need but lack. */
async function cgroupCheck(config: Config): Promise<Check> {
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
  const missing = missingControllers(
    controllers,
    requiredControllers(layout, config.limits, config.pinCpus),
  );
  const detail = `${LAYOUT_NAMES[layout]}; controllers: ${controllers.join(' ')}`;
  if (missing.length > 0) {
    return {
      name: 'cgroups',
      ok: false,
      detail: `${detail}; the configured limits need ${missing.join(', ')}`,
      fix: `Enable the ${missing.join(', ')} controller(s) in the kernel or on its command line, or unset the settings that need them (NESTBOX_CPUSET, NESTBOX_IO_MBPS; NESTBOX_PIN_CPUS=0 for cpuset).`,
    };
  }
  return { name: 'cgroups', ok: true, detail };
}

/**
 * Memory limits cap memory + swap only where the kernel accounts swap. Without that, a sandbox
 * can swap past its limit, but only on a host that has swap, so this never blocks start-up.
 */
async function swapCheck(config: Config): Promise<Check> {
  const layout = await detectCgroupLayout();
  // v2 has memory.swap.max in every cgroup but the root: our own, or the sandboxes' parent.
  const ownCgroup = /^0::(\/.*)$/m.exec(await readFile('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  const probes =
    layout === 'v2'
      ? [`${CGROUP_ROOT}${ownCgroup}`, `${CGROUP_ROOT}/${config.cgroupParent}`].map(
          (dir) => `${dir}/memory.swap.max`,
        )
      : [`${CGROUP_ROOT}/memory/memory.memsw.limit_in_bytes`];
  const found = await Promise.all(
    probes.map((probe) =>
      readFile(probe, 'utf8').then(
        () => true,
        () => false,
      ),
    ),
  );
  const accounted = found.includes(true);
  if (accounted)
    return { name: 'swap accounting', ok: true, detail: 'on: memory + swap is capped' };
  const meminfo = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const swapKb = Number(/^SwapTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  return {
    name: 'swap accounting',
    ok: true,
    detail:
      swapKb === 0
        ? 'off, and this host has no swap: memory limits hold'
        : 'off: sandboxes may swap beyond their memory limit (boot with swapaccount=1 to cap it)',
  };
}

/** NESTBOX_CPU_IDLE and NESTBOX_DEMOTE_BUSY need the kernel's cpu.idle; start-up would fail
 *  without it. */
function cpuIdleCheck(config: Config): Check | undefined {
  const uses = [
    ...(config.cpuIdle
      ? [{ name: 'NESTBOX_CPU_IDLE', does: "sandboxes yield to the host's tasks" }]
      : []),
    ...(config.demoteBusy
      ? [{ name: 'NESTBOX_DEMOTE_BUSY', does: 'busy sandboxes yield to quiet ones' }]
      : []),
  ];
  if (uses.length === 0) return undefined;
  const version = parseKernelRelease(release());
  if (version === undefined) {
    // Left to start-up, which says exactly what writing the file found.
    return { name: 'cpu.idle', ok: true, detail: `kernel release "${release()}" not understood` };
  }
  if (isAtLeast(version, MIN_CPU_IDLE_KERNEL)) {
    return { name: 'cpu.idle', ok: true, detail: uses.map((use) => use.does).join('; ') };
  }
  return {
    name: 'cpu.idle',
    ok: false,
    detail: `Linux ${release()} has no cpu.idle (${MIN_CPU_IDLE_KERNEL.join('.')} or later has)`,
    fix: `Upgrade the kernel, or set ${uses.map((use) => `${use.name}=0`).join(' and ')}.`,
  };
}

async function crunCheck(config: Config): Promise<Check> {
  const found = await commandCheck('crun', config.crunPath, 'crun', ['--version']);
  if (!found.ok) return found;
  const path = await findExecutable(config.crunPath);
  const { stdout } = await run(path ?? config.crunPath, ['--version']).catch(() => ({
    stdout: '',
  }));
  const version = parseCrunVersion(stdout);
  if (version && isAtLeast(version, MIN_CRUN_VERSION)) return found;
  return {
    name: 'crun',
    ok: false,
    detail: `${found.detail}: Nestbox needs crun ${MIN_CRUN_VERSION.join('.')} or later`,
    fix: 'Install a current crun (Debian 12: apt-get install -y crun), or set NESTBOX_CRUN to one.',
  };
}

/** NESTBOX_IO_MBPS throttles the disk under the image, so that must be a block device. */
async function ioDiskCheck(config: Config): Promise<Check | undefined> {
  if (config.limits.ioBps === undefined) return undefined;
  const status = await imageStatus(config.dataDir);
  const disk = await diskOf(status.ready ? status.rootfs : config.dataDir).catch(() => undefined);
  return disk
    ? { name: 'io limit', ok: true, detail: `throttles disk ${disk.major}:${disk.minor}` }
    : {
        name: 'io limit',
        ok: false,
        detail: `${config.dataDir} is not on a block device`,
        fix: 'Unset NESTBOX_IO_MBPS, or keep NESTBOX_DATA_DIR on a real disk.',
      };
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

async function consoleHelperCheck(): Promise<Check> {
  const path = consolePath();
  if (await findExecutable(path)) return { name: 'console helper', ok: true, detail: path };
  const compiler = await findExecutable(cCompilerName());
  return {
    name: 'console helper',
    ok: false,
    detail: `${path} not built`,
    fix: compiler ? 'npm run build:console' : 'apt-get install -y gcc && npm run build:console',
    ...(compiler ? {} : { aptPackage: 'gcc' }),
  };
}

/** The image's init is linked statically (sandbox/init.ts), which needs libc.a. */
async function staticLibcCheck(): Promise<Check> {
  const name = 'static C library';
  const library = await findStaticLibc();
  if (library) return { name, ok: true, detail: library };
  const compiler = await findExecutable(cCompilerName());
  return {
    name,
    ok: false,
    detail: compiler ? 'libc.a not found' : 'no C compiler to look for libc.a with',
    fix: 'apt-get install -y gcc libc6-dev',
    aptPackage: 'libc6-dev',
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

/**
 * How container root will own the image (NESTBOX_ROOTFS_MODE): the same probe container the
 * server runs at start-up, in the id range just above the server's own ranges so it never
 * shares a uid with a live session. Skipped when root, crun or the image is missing (their own
 * checks say so).
 */
async function rootfsCheck(config: Config): Promise<Check | undefined> {
  const shiftedDetail = `uid-shifted image copies in ${join(config.dataDir, 'shifted-rootfs')} (one per uid range in use, ~250 MB each; NESTBOX_SHIFTED_KEEP=${config.shiftedKeep} idle ones kept)`;
  if (config.rootfsMode === 'shifted') {
    return { name: 'rootfs', ok: true, detail: `shifted (forced): ${shiftedDetail}` };
  }
  const [layout, crunPath, image] = await Promise.all([
    detectCgroupLayout(),
    findExecutable(config.crunPath),
    imageStatus(config.dataDir),
  ]);
  if (process.getuid?.() !== 0 || !layout || !crunPath || !image.ready) return undefined;
  const runtime = { crunPath, stateDir: join(config.runDir, 'crun'), layout };
  const bundlesDir = join(config.runDir, 'bundles');
  await mkdir(runtime.stateDir, { recursive: true, mode: 0o700 });
  await mkdir(bundlesDir, { recursive: true, mode: 0o700 });
  const failure = await probeIdmappedMounts({
    runtime,
    rootfs: image.rootfs,
    bundlesDir,
    parent: config.cgroupParent,
    prefix: CONTAINER_PREFIX,
    range: { hostId: config.idBase + config.maxSessions * 65536, size: 65536 },
  });
  if (failure === undefined) {
    return {
      name: 'rootfs',
      ok: true,
      detail: `idmap: idmapped mounts work, with overlays on them (${config.rootfsMode})`,
    };
  }
  if (config.rootfsMode === 'auto') {
    return {
      name: 'rootfs',
      ok: true,
      detail: `shifted, since idmapped mounts fail here (${failure}): ${shiftedDetail}`,
    };
  }
  return {
    name: 'rootfs',
    ok: false,
    detail: `NESTBOX_ROOTFS_MODE=idmap, but idmapped mounts fail here: ${failure}`,
    fix: 'Set NESTBOX_ROOTFS_MODE=auto (or shifted), or use Linux 5.19+ with NESTBOX_DATA_DIR on ext4, xfs or btrfs.',
  };
}

export async function checkSystem(config: Config): Promise<Check[]> {
  const checks = await Promise.all([
    Promise.resolve(rootCheck()),
    cgroupCheck(config),
    swapCheck(config),
    Promise.resolve(cpuIdleCheck(config)),
    userNamespaceCheck(),
    crunCheck(config),
    commandCheck('unshare', 'unshare', 'util-linux', ['--version']),
    commandCheck('debootstrap', 'debootstrap', 'debootstrap', ['--version']),
    consoleHelperCheck(),
    staticLibcCheck(),
    imageCheck(config),
    ioDiskCheck(config),
    rootfsCheck(config),
  ]);
  return checks.filter((check) => check !== undefined);
}
