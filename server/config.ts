/**
 * All configuration, read once from the environment. Every setting has a documented unit and
 * default; a bad value stops start-up with a message that names the variable.
 */
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import {
  parseCpuList,
  type CgroupTotals,
  type RootfsMode,
  type SandboxLimits,
} from './sandbox/index.js';
import { databasePath, dataDir as dataDirOf } from './data-dir.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { scenariosDir } from './scenarios/catalog.js';

export interface Config {
  /** HOST: address to listen on. Default 127.0.0.1 (this machine only). */
  host: string;
  /** PORT: TCP port. Default 3000. */
  port: number;
  /** NESTBOX_DATA_DIR: cached image and other state that survives restarts. Default /var/lib/nestbox. */
  dataDir: string;
  /** NESTBOX_DB: the SQLite file of learners' progress and the audit trail. Default
   *  NESTBOX_DATA_DIR/nestbox.db. (The pages read the same variable through databasePath().) */
  databasePath: string;
  /** NESTBOX_RUN_DIR: bundles, sockets and runtime state, gone after reboot. Default /run/nestbox. */
  runDir: string;
  /** NESTBOX_SCENARIOS_DIR: the scenario folders. Default ./scenarios. (The pages read the same
   *  variable through scenariosDir(), since Next renders them outside this config object.) */
  scenariosDir: string;
  /** NESTBOX_CRUN: the OCI runtime binary. Default crun (from PATH). */
  crunPath: string;
  /** NESTBOX_HOSTNAME: the hostname learners see inside their sandbox. Default nestbox. */
  hostname: string;
  /** NESTBOX_DEBIAN_MIRROR: mirror for building the image. Default: debootstrap's own. */
  debianMirror: string | undefined;
  /** NESTBOX_MAX_SESSIONS: sandboxes alive at once, over all learners. Default 32. */
  maxSessions: number;
  /** NESTBOX_ID_BASE: first host uid/gid handed to sandboxes (65536 per sandbox). Default 1000000000. */
  idBase: number;
  /** NESTBOX_MASK_PROC: 1 to mask Docker's sensitive /proc paths (breaks `unshare -U --mount-proc`). Default 0. */
  maskProc: boolean;
  /** NESTBOX_PIN_CPUS: 1 to pin each sandbox to as many CPUs as NESTBOX_CPUS rounds up to, the
   *  least used ones, so that a neighbour's CPU hogs never stall a quiet shell (see
   *  server/sandbox/cpu-placement.ts); 0 lets every sandbox run on all of NESTBOX_CPUSET. Default 1. */
  pinCpus: boolean;
  /** NESTBOX_CPU_IDLE: 1 to mark the parent cgroup cpu.idle, so all sandboxes together yield the
   *  CPU at once to the server and the kernel's threads (which carry every terminal's bytes);
   *  0 lets them compete as one ordinary process. Default 1 (see parent-cgroup.ts). */
  cpuIdle: boolean;
  /** NESTBOX_DEMOTE_BUSY: 1 to mark a sandbox cpu.idle among sandboxes while it keeps half a CPU
   *  or more busy, so a quiet learner's shell on the same CPU runs at once when it wakes; 0
   *  leaves all sandboxes equal. Default 1 (see server/sandbox/busy-demotion.ts). */
  demoteBusy: boolean;
  /** NESTBOX_ROOTFS_MODE: how container root comes to own the shared, never-written image. Default auto.
   *  - idmap: idmapped bind mounts of the one shared image under the overlays of the writable
   *    root (Linux 5.19+ and ext4/xfs/btrfs);
   *    start-up fails if the probe container shows they do not work.
   *  - shifted: a copy of the image per uid range, chowned into it, under
   *    NESTBOX_DATA_DIR/shifted-rootfs/<cgroup parent>/. Works anywhere; costs one image
   *    (about 250 MB) of disk per range in use, built on a range's first session (a few s),
   *    and refused when it would leave less than 1 GiB free.
   *  - auto: idmap when start-up's probe container succeeds, else shifted. */
  rootfsMode: RootfsMode;
  /** NESTBOX_SHIFTED_KEEP: in shifted mode, idle image copies kept for reuse (0–1000); a copy
   *  of a live sandbox is never removed, so disk use peaks at max(live sandboxes, this) copies.
   *  Default 4. */
  shiftedKeep: number;
  /** NESTBOX_ALLOWED_ORIGINS: comma-separated origins allowed to open terminals.
   *  Default: the server's own origin(s) for its host and port. */
  allowedOrigins: string[];
  /** Per-sandbox limits (a scenario may only tighten them):
   *  - NESTBOX_PIDS_LIMIT: processes and threads. Default 128.
   *  - NESTBOX_MEMORY_MB: memory in MiB; swap adds nothing on top. Default 256.
   *  - NESTBOX_CPUS: CPU bandwidth in cores (0.5 is half a core). Default 1.
   *  - NESTBOX_CPU_WEIGHT: share of the CPU under contention, 1–10000 (cgroup v2 scale). Default 100.
   *  - NESTBOX_CPUSET: the CPUs sandboxes may use, as a cpu list ("0-1,3"). Default: all.
   *  - NESTBOX_IO_MBPS: read and write bandwidth each on the image's disk, in MiB/s. Default: none.
   *  - NESTBOX_TMPFS_MB: size of each writable tmpfs (/root, /tmp, /run, /dev/shm) and of the
   *    root's writable layer (what a learner writes to /, /etc, /usr...), in MiB. Default 64.
   *  - NESTBOX_TMPFS_INODES: inodes of each of them. Default 16384.
   *  - NESTBOX_NOFILE: open files per process. Default 1024. */
  limits: SandboxLimits;
  /** Caps on all sandboxes together, on their parent cgroup:
   *  - NESTBOX_TOTAL_MEMORY_MB: in MiB. Default: 80% of this machine's memory.
   *  - NESTBOX_TOTAL_PIDS: processes and threads. Default 4096.
   *  - NESTBOX_TOTAL_CPUS: in cores. Default: no cap (the sandboxes together still get only
   *    one fair share against the server and the rest of the host). */
  totals: CgroupTotals;
  /** NESTBOX_CGROUP_PARENT: the parent cgroup, relative to the cgroup root. One per server.
   *  Default nestbox. */
  cgroupParent: string;
  sessions: SessionSettings;
  /** NESTBOX_METRICS_TOKEN: bearer token for /metrics. Unset: /metrics answers this machine only. */
  metricsToken: string | undefined;
  /** NESTBOX_INSTRUCTOR_TOKEN: the instructor's secret for /instructor and its API; at least 16
   *  characters. Unset: the instructor view is disabled. */
  instructorToken: string | undefined;
  /** NESTBOX_JOIN_CODE: workshop mode. Set, a browser must show this code (the join form, or a
   *  `?join=CODE` link) before it gets a sandbox; 4 to 64 letters, digits or dashes. Unset:
   *  anyone who reaches the lab gets sessions. */
  joinCode: string | undefined;
  /** NESTBOX_LOG_LEVEL: the least severe server log events written (one JSON line each):
   *  fatal, error, warn, info, debug, trace or silent. Default info. */
  logLevel: LogLevel;
}

/** How long sessions live and how many one client may hold. Durations are in milliseconds. */
export interface SessionSettings {
  /** NESTBOX_MAX_SESSIONS_PER_CLIENT: sessions one IP address may hold at once. Default 3. */
  maxPerClient: number;
  /** NESTBOX_SESSION_MINUTES: lifetime of a new session. Default 60. */
  ttlMs: number;
  /** NESTBOX_SESSION_EXTEND_MINUTES: what one "extend" adds. Default 15. */
  extendMs: number;
  /** NESTBOX_SESSION_MAX_MINUTES: total lifetime cap, extensions included. Default 120. */
  maxTtlMs: number;
  /** NESTBOX_IDLE_MINUTES: a session without input this long ends. Default 30. */
  idleTimeoutMs: number;
  /** NESTBOX_ORPHAN_SECONDS: a session without a connected browser this long ends. Default 300. */
  orphanTimeoutMs: number;
  /** NESTBOX_OUTPUT_BUFFER_KB: output kept per terminal for reconnecting clients. Default 1024. */
  outputBufferBytes: number;
  /** NESTBOX_TERMINALS: terminals (tabs) per session. Default 4. */
  maxTerminals: number;
}

const MIB = 1024 * 1024;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Number(' ') is 0: blank text must be refused, not read as zero.
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name}=${raw} is invalid: expected a whole number from ${min} to ${max}.`,
    );
  }
  return value;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Number(' ') is 0: blank text must be refused, not read as zero.
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is invalid: expected a number from ${min} to ${max}.`);
  }
  return value;
}

function flag(env: Env, name: string, fallback = false): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name}=${raw} is invalid: expected 1 or 0.`);
}

function text(env: Env, name: string, fallback: string, pattern?: RegExp): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (pattern && !pattern.test(raw)) {
    throw new ConfigError(`${name}=${raw} is invalid: expected to match ${String(pattern)}.`);
  }
  return raw;
}

/** A secret that may be unset; a bad one is refused without echoing it into the logs. */
function optionalSecret(env: Env, name: string, pattern: RegExp): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!pattern.test(raw)) {
    throw new ConfigError(`${name} is invalid: expected to match ${String(pattern)}.`);
  }
  return raw;
}

function origins(env: Env, host: string, port: number): string[] {
  const raw = env.NESTBOX_ALLOWED_ORIGINS;
  if (raw !== undefined && raw !== '') {
    const list = raw.split(',').map((origin) => origin.trim());
    for (const origin of list) {
      if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
        throw new ConfigError(
          `NESTBOX_ALLOWED_ORIGINS has "${origin}": each entry must look like https://lab.example.org (no path).`,
        );
      }
    }
    // Browsers send the serialised origin (lower-case host, no default port); compare like that.
    return list.map((origin) => new URL(origin).origin);
  }
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const hosts = loopback ? ['127.0.0.1', 'localhost'] : [host];
  return hosts.map((name) => `http://${name}:${port}`);
}

const MINUTE = 60_000;

function sessionSettings(env: Env): SessionSettings {
  const ttlMinutes = integer(env, 'NESTBOX_SESSION_MINUTES', 60, 1, 24 * 60);
  const maxMinutes = integer(
    env,
    'NESTBOX_SESSION_MAX_MINUTES',
    Math.max(120, ttlMinutes),
    1,
    7 * 24 * 60,
  );
  if (maxMinutes < ttlMinutes) {
    throw new ConfigError(
      `NESTBOX_SESSION_MAX_MINUTES=${maxMinutes} is invalid: it must be at least NESTBOX_SESSION_MINUTES (${ttlMinutes}).`,
    );
  }
  return {
    maxPerClient: integer(env, 'NESTBOX_MAX_SESSIONS_PER_CLIENT', 3, 1, 1000),
    ttlMs: ttlMinutes * MINUTE,
    extendMs: integer(env, 'NESTBOX_SESSION_EXTEND_MINUTES', 15, 1, 24 * 60) * MINUTE,
    maxTtlMs: maxMinutes * MINUTE,
    idleTimeoutMs: integer(env, 'NESTBOX_IDLE_MINUTES', 30, 1, 24 * 60) * MINUTE,
    orphanTimeoutMs: integer(env, 'NESTBOX_ORPHAN_SECONDS', 300, 1, 24 * 3600) * 1000,
    outputBufferBytes: integer(env, 'NESTBOX_OUTPUT_BUFFER_KB', 1024, 16, 65536) * 1024,
    maxTerminals: integer(env, 'NESTBOX_TERMINALS', 4, 1, 8),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const host = text(env, 'HOST', '127.0.0.1');
  const port = integer(env, 'PORT', 3000, 0, 65535);
  return {
    host,
    port,
    dataDir: dataDirOf(env),
    databasePath: databasePath(env),
    runDir: resolve(text(env, 'NESTBOX_RUN_DIR', '/run/nestbox')),
    scenariosDir: scenariosDir(env),
    crunPath: text(env, 'NESTBOX_CRUN', 'crun'),
    hostname: text(env, 'NESTBOX_HOSTNAME', 'nestbox', /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/),
    debianMirror: env.NESTBOX_DEBIAN_MIRROR || undefined,
    maxSessions: integer(env, 'NESTBOX_MAX_SESSIONS', 32, 1, 1000),
    idBase: integer(env, 'NESTBOX_ID_BASE', 1_000_000_000, 100_000, 3_000_000_000),
    maskProc: flag(env, 'NESTBOX_MASK_PROC'),
    pinCpus: flag(env, 'NESTBOX_PIN_CPUS', true),
    cpuIdle: flag(env, 'NESTBOX_CPU_IDLE', true),
    demoteBusy: flag(env, 'NESTBOX_DEMOTE_BUSY', true),
    rootfsMode: text(env, 'NESTBOX_ROOTFS_MODE', 'auto', /^(auto|idmap|shifted)$/) as RootfsMode,
    shiftedKeep: integer(env, 'NESTBOX_SHIFTED_KEEP', 4, 0, 1000),
    allowedOrigins: origins(env, host, port),
    sessions: sessionSettings(env),
    metricsToken: env.NESTBOX_METRICS_TOKEN || undefined,
    instructorToken: optionalSecret(env, 'NESTBOX_INSTRUCTOR_TOKEN', /^[\x21-\x7e]{16,256}$/),
    joinCode: optionalSecret(env, 'NESTBOX_JOIN_CODE', /^[A-Za-z0-9-]{4,64}$/),
    logLevel: text(
      env,
      'NESTBOX_LOG_LEVEL',
      'info',
      new RegExp(`^(${LOG_LEVELS.join('|')})$`),
    ) as LogLevel,
    ...limitsAndTotals(env),
    cgroupParent: text(
      env,
      'NESTBOX_CGROUP_PARENT',
      'nestbox',
      /^[a-z0-9][a-z0-9_.-]{0,63}(\/[a-z0-9][a-z0-9_.-]{0,63}){0,3}$/,
    ),
  };
}

function cpuList(env: Env, name: string): string {
  const raw = env[name] ?? '';
  if (!parseCpuList(raw)) {
    throw new ConfigError(`${name}=${raw} is invalid: expected a cpu list such as 0-1,3.`);
  }
  return raw.trim();
}

function optionalInteger(env: Env, name: string, min: number, max: number): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : integer(env, name, 0, min, max);
}

function limitsAndTotals(env: Env): { limits: SandboxLimits; totals: CgroupTotals } {
  const ioMbps = optionalInteger(env, 'NESTBOX_IO_MBPS', 1, 100_000);
  const limits: SandboxLimits = {
    pids: integer(env, 'NESTBOX_PIDS_LIMIT', 128, 8, 65536),
    memoryBytes: integer(env, 'NESTBOX_MEMORY_MB', 256, 16, 65536) * MIB,
    cpus: decimal(env, 'NESTBOX_CPUS', 1, 0.01, 256),
    cpuWeight: integer(env, 'NESTBOX_CPU_WEIGHT', 100, 1, 10_000),
    cpuset: cpuList(env, 'NESTBOX_CPUSET'),
    ...(ioMbps === undefined ? {} : { ioBps: ioMbps * MIB }),
    tmpfsBytes: integer(env, 'NESTBOX_TMPFS_MB', 64, 1, 65536) * MIB,
    tmpfsInodes: integer(env, 'NESTBOX_TMPFS_INODES', 16384, 64, 10_000_000),
    nofile: integer(env, 'NESTBOX_NOFILE', 1024, 64, 1_048_576),
  };
  const totalCpus = env.NESTBOX_TOTAL_CPUS
    ? decimal(env, 'NESTBOX_TOTAL_CPUS', 0, 0.01, 4096)
    : undefined;
  const totals: CgroupTotals = {
    memoryBytes:
      integer(
        env,
        'NESTBOX_TOTAL_MEMORY_MB',
        Math.floor((totalmem() * 0.8) / MIB),
        16,
        16 * 1024 * 1024,
      ) * MIB,
    pids: integer(env, 'NESTBOX_TOTAL_PIDS', 4096, 8, 4_194_304),
    ...(totalCpus === undefined ? {} : { cpus: totalCpus }),
  };
  // One sandbox must fit in the totals; for CPU, cgroup v1 even refuses a child quota above
  // its parent's.
  const fits: [string, string, number, number | undefined, number][] = [
    ['NESTBOX_TOTAL_MEMORY_MB', 'NESTBOX_MEMORY_MB', limits.memoryBytes, totals.memoryBytes, MIB],
    ['NESTBOX_TOTAL_PIDS', 'NESTBOX_PIDS_LIMIT', limits.pids, totals.pids, 1],
    ['NESTBOX_TOTAL_CPUS', 'NESTBOX_CPUS', limits.cpus, totals.cpus, 1],
  ];
  for (const [totalName, limitName, limit, total, unit] of fits) {
    if (total !== undefined && total < limit) {
      throw new ConfigError(
        `${totalName}=${total / unit} is invalid: it must be at least ${limitName} (${limit / unit}), or no sandbox fits.`,
      );
    }
  }
  return { limits, totals };
}
