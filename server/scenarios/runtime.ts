/**
 * What a scenario's scripts mean at run time (design.md §6), through the sandbox's public
 * `exec` only: verify (pass on exit 0, hints from `FAIL:` lines and the failure-reason file),
 * solve, background scripts that run detached with a state the UI can ask about, foreground
 * text for the terminal, and assets copied in before the lesson starts.
 */
import { basename, dirname } from 'node:path';
import type { AssetCopy, Page } from '../../lib/scenario/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { ScenarioRuntimeError } from './errors.js';
import { readScenarioFile } from './files.js';

/** All the runtime needs of a sandbox (a session passes its own). */
export type ExecTarget = Pick<Sandbox, 'exec'>;

/** What a check needs: exec, and the usage figures that tell a check that cannot run. */
export type VerifyTarget = Pick<Sandbox, 'exec' | 'stats'>;

/** Said at once, instead of a timeout, when the sandbox has no pids left for the check. */
export const OUT_OF_PROCESSES_HINT =
  'Your sandbox is out of processes (pids.max reached), so the check cannot run. Wait for the ' +
  'fork bomb to be contained (or press Ctrl-C), then check again.';

/** How often a running check looks at the sandbox's pids while it waits for the exec. */
const PIDS_POLL_MS = 250;

const VERIFY_TIMEOUT_MS = 15_000;

/** Where our bookkeeping lives inside a sandbox: a writable tmpfs, invisible in `ls ~`. */
const STATE_DIR = '/tmp/.nestbox';
/** Separates a verify script's own output from the failure-reason file we print after it. */
const REASON_MARKER = '@@nestbox-failure-reason@@';

/**
 * The argv that runs a script's text. Without a `#!` line it runs in bash, as Killercoda does;
 * with one (python3, sh) it is written to a temporary file and executed, so the line counts.
 */
export function scriptArgv(script: string, name = 'nestbox-script'): string[] {
  if (!script.startsWith('#!') || /^#![^\n]*\bbash\b/.test(script)) {
    return ['/bin/bash', '-c', script, name];
  }
  const runner = [
    `mkdir -p ${STATE_DIR}`,
    `file=$(mktemp ${STATE_DIR}/script.XXXXXX) || exit 126`,
    'printf %s "$1" > "$file" && chmod 700 "$file"',
    '"$file"; status=$?',
    'rm -f "$file"',
    'exit $status',
  ].join('\n');
  return ['/bin/sh', '-c', runner, name, script];
}

export interface VerifyResult {
  passed: boolean;
  /** What to tell the learner when it did not pass: FAIL: lines, then the reason file. */
  hint: string;
}

export interface VerifyOptions {
  timeoutMs?: number;
  /**
   * Katacoda-era scripts pass by printing `done`. Their exit status means nothing (`if [ -f x ];
   * then echo done; fi` exits 0 either way), so in this mode only `done` passes.
   */
  legacyDone?: boolean;
}

/**
 * Runs a verify script. It gets $VERIFICATION_FAILURE_REASON, a file it may write a hint to
 * (Killercoda's convention); lines it prints starting with `FAIL:` are hints too (Instruqt's).
 */
export async function runVerify(
  sandbox: VerifyTarget,
  script: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const before = await pidsState(sandbox);
  if (before?.full) return { passed: false, hint: OUT_OF_PROCESSES_HINT };
  const wrapper = [
    `mkdir -p ${STATE_DIR}`,
    `reason=$(mktemp ${STATE_DIR}/reason.XXXXXX)`,
    'export VERIFICATION_FAILURE_REASON="$reason"',
    '"$@"',
    'status=$?',
    `printf '\\n%s\\n' '${REASON_MARKER}'`,
    'cat "$reason"; rm -f "$reason"',
    'exit $status',
  ].join('\n');
  const exec = sandbox.exec(
    ['/bin/bash', '-c', wrapper, 'nestbox-verify', ...scriptArgv(script, 'verify')],
    { timeoutMs: options.timeoutMs ?? VERIFY_TIMEOUT_MS },
  );
  // bash retries a fork that fails with EAGAIN for many seconds, so a check started just as
  // the sandbox fills up would sit out its whole timeout: watch the pids while it runs.
  const starved = new AbortController();
  const outcome = await Promise.race([
    exec.then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    ),
    waitUntilStarved(sandbox, before?.limitHits ?? 0, starved.signal),
  ]).finally(() => {
    starved.abort();
  });
  // 'stopped' cannot win the race: the watch stops only once it is over.
  if (outcome === 'starved' || outcome === 'stopped') {
    // The exec ends by its own timeout; nobody waits for it.
    exec.catch(() => undefined);
    return { passed: false, hint: OUT_OF_PROCESSES_HINT };
  }
  if ('error' in outcome) {
    if (await hitLimitSince(sandbox, before)) return { passed: false, hint: OUT_OF_PROCESSES_HINT };
    return { passed: false, hint: `The check could not finish: ${errorMessage(outcome.error)}` };
  }
  const { result } = outcome;
  const markerAt = result.stdout.lastIndexOf(REASON_MARKER);
  const output = markerAt === -1 ? result.stdout : result.stdout.slice(0, markerAt);
  const reason = markerAt === -1 ? '' : result.stdout.slice(markerAt + REASON_MARKER.length).trim();
  const failLines = output
    .split('\n')
    .filter((line) => line.startsWith('FAIL:'))
    .map((line) => line.slice('FAIL:'.length).trim());
  const passed = options.legacyDone
    ? output.split('\n').some((line) => line.trim() === 'done')
    : result.code === 0;
  if (!passed && markerAt === -1 && (await hitLimitSince(sandbox, before))) {
    // The wrapper never got to its end: a fork failed for want of pids.
    return { passed: false, hint: OUT_OF_PROCESSES_HINT };
  }
  return { passed, hint: passed ? '' : [...failLines, reason].filter(Boolean).join('\n') };
}

interface PidsState {
  /** pids.current has reached pids.max: no fork can succeed. */
  full: boolean;
  /** Forks refused so far for want of pids (pids.events). */
  limitHits: number;
}

/** The sandbox's pids, or undefined when they cannot be read (it is gone, say). */
async function pidsState(sandbox: VerifyTarget): Promise<PidsState | undefined> {
  const stats = await sandbox.stats().catch(() => undefined);
  if (!stats) return undefined;
  return {
    full: stats.pidsMax !== null && stats.pidsCurrent >= stats.pidsMax,
    limitHits: stats.pidsLimitHits,
  };
}

/** Whether forks were refused since `before`, and the sandbox is still full. */
async function hitLimitSince(
  sandbox: VerifyTarget,
  before: PidsState | undefined,
): Promise<boolean> {
  const now = await pidsState(sandbox);
  return before !== undefined && now !== undefined && now.full && now.limitHits > before.limitHits;
}

/** Resolves 'starved' once forks are being refused and the sandbox is full, or 'stopped'
 *  once `signal` aborts (the check ended first). */
async function waitUntilStarved(
  sandbox: VerifyTarget,
  hitsBefore: number,
  signal: AbortSignal,
): Promise<'starved' | 'stopped'> {
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, PIDS_POLL_MS));
    const now = await pidsState(sandbox);
    if (now?.full && now.limitHits > hitsBefore) return 'starved';
  }
  return 'stopped';
}

export interface ScriptResult {
  code: number;
  output: string;
}

/** Runs a script (solve, or a foreground script in tests) to completion. */
export async function runScript(
  sandbox: ExecTarget,
  script: string,
  timeoutMs = 60_000,
): Promise<ScriptResult> {
  const result = await sandbox.exec(scriptArgv(script), { timeoutMs });
  return { code: result.code, output: result.stdout + result.stderr };
}

/**
 * What a page's foreground script types into the learner's terminal: the script's text, ending
 * in a newline so its last line runs too. The UI types it; nothing runs here.
 */
export function foregroundText(page: Page): string | undefined {
  const script = page.scripts.foreground;
  if (script === undefined || script.trim() === '') return undefined;
  return script.endsWith('\n') ? script : `${script}\n`;
}

export type BackgroundState = 'running' | 'succeeded' | 'failed';

/** A background script started in a sandbox; its state can be asked for at any time. */
export interface BackgroundJob {
  readonly name: string;
  /** Its output (stdout and stderr), inside the sandbox. */
  readonly logFile: string;
  state(): Promise<BackgroundState>;
  /** Resolves with the final state, or `running` if it is still running after `timeoutMs`. */
  wait(timeoutMs: number): Promise<BackgroundState>;
}

const backgroundCounts = new WeakMap<ExecTarget, number>();

function safeName(name: string): string {
  return name.replace(/[^\w-]/g, '_');
}

function backgroundBase(name: string): string {
  return `${STATE_DIR}/background-${safeName(name)}`;
}

/**
 * Starts a background script detached (setsid), so it outlives the exec that started it. Its
 * output goes to /tmp/.nestbox/background-<name>.log inside the sandbox, and its exit status
 * to a .status file when it ends, which is what `backgroundState` reads. Without a name, jobs
 * are numbered 1, 2, ... per sandbox.
 */
export async function startBackground(
  sandbox: ExecTarget,
  script: string,
  options: { name?: string } = {},
): Promise<BackgroundJob> {
  const count = (backgroundCounts.get(sandbox) ?? 0) + 1;
  backgroundCounts.set(sandbox, count);
  const name = safeName(options.name ?? String(count));
  const base = backgroundBase(name);
  const starter = [
    `mkdir -p ${STATE_DIR}`,
    `rm -f ${base}.status`,
    `setsid sh -c '"$@" >${base}.log 2>&1; echo $? >${base}.status.tmp; mv ${base}.status.tmp ${base}.status' nestbox-background "$@" </dev/null >/dev/null 2>&1 &`,
  ].join('\n');
  const result = await sandbox.exec([
    '/bin/sh',
    '-c',
    starter,
    'nestbox-start',
    ...scriptArgv(script, `background-${name}`),
  ]);
  if (result.code !== 0) {
    throw new ScenarioRuntimeError(
      'background-start-failed',
      `Could not start background script ${name}: ${result.stderr.trim()}`,
    );
  }
  return {
    name,
    logFile: backgroundLogFile(name),
    state: () => backgroundState(sandbox, name),
    wait: (timeoutMs) => waitForBackground(sandbox, name, timeoutMs),
  };
}

/** The state of the background job `name` (see BackgroundJob.name), e.g. after a reload. */
export async function backgroundState(sandbox: ExecTarget, name: string): Promise<BackgroundState> {
  const result = await sandbox.exec([
    '/bin/sh',
    '-c',
    `cat ${backgroundBase(name)}.status 2>/dev/null`,
  ]);
  const status = result.stdout.trim();
  if (status === '') return 'running';
  return status === '0' ? 'succeeded' : 'failed';
}

/**
 * The states of several background jobs in one exec, for a page that polls: one process per
 * question, however many pages have a script running.
 */
export async function backgroundStates(
  sandbox: ExecTarget,
  names: readonly string[],
): Promise<Map<string, BackgroundState>> {
  const states = new Map<string, BackgroundState>();
  if (names.length === 0) return states;
  // Exactly one line per job, in order: its exit status, or "-" while it has none yet.
  const reader =
    'for base in "$@"; do if [ -f "$base.status" ]; then printf "%s\\n" "$(head -c 16 "$base.status" | head -n 1)"; else echo -; fi; done';
  // Short: a poll that waits on a busy sandbox is better answered "still running" next time.
  const result = await sandbox.exec(
    [
      '/bin/sh',
      '-c',
      reader,
      'nestbox-states',
      ...names.map((name) => backgroundBase(safeName(name))),
    ],
    { timeoutMs: 5_000 },
  );
  const lines = result.stdout.split('\n');
  names.forEach((name, index) => {
    const status = (lines[index] ?? '-').trim();
    states.set(
      name,
      status === '-' || status === '' ? 'running' : status === '0' ? 'succeeded' : 'failed',
    );
  });
  return states;
}

/** Where a background job's output goes inside the sandbox, for messages that point to it. */
export function backgroundLogFile(name: string): string {
  return `${backgroundBase(safeName(name))}.log`;
}

/** Waits for a background script to end; resolves with its final state. */
async function waitForBackground(
  sandbox: ExecTarget,
  name: string,
  timeoutMs: number,
): Promise<BackgroundState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await backgroundState(sandbox, name);
    if (state !== 'running' || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Assets of one scenario together; the sandbox's tmpfs is small, and exec is no bulk pipe. */
const MAX_ASSET_BYTES = 16 * 1024 * 1024;
/** Bytes per write: base64 of this stays well under Linux's 128 KiB limit on one argument. */
const CHUNK_BYTES = 48 * 1024;
/** Argument bytes per exec, well under the kernel's total for argv. */
const BATCH_BYTES = 512 * 1024;

interface Write {
  destination: string;
  base64: string;
  append: boolean;
  chmod: string;
}

/** Writes each group of (destination, mode, chmod, data) arguments; fails on the first error. */
const WRITER = [
  'set -e',
  'while [ "$#" -gt 0 ]; do',
  '  mkdir -p -- "$(dirname -- "$1")"',
  '  if [ "$2" = append ]; then printf %s "$4" | base64 -d >> "$1"; else printf %s "$4" | base64 -d > "$1"; fi',
  '  if [ -n "$3" ]; then chmod -- "$3" "$1"; fi',
  '  shift 4',
  'done',
].join('\n');

async function readAssets(assets: readonly AssetCopy[], scenarioDir: string): Promise<Write[]> {
  const writes: Write[] = [];
  let total = 0;
  for (const copy of assets) {
    for (const file of copy.matches.flatMap((match) => match.files)) {
      const path = `assets/${file.source}`;
      const read = await readScenarioFile(
        dirname(scenarioDir),
        basename(scenarioDir),
        path,
        MAX_ASSET_BYTES,
      );
      if (!read.ok) {
        throw new ScenarioRuntimeError(
          'asset-missing',
          `The asset ${path} cannot be read (${read.reason}); it must be a regular file in the scenario folder.`,
        );
      }
      total += read.body.length;
      if (total > MAX_ASSET_BYTES) {
        throw new ScenarioRuntimeError(
          'assets-too-large',
          `The assets add up to more than ${MAX_ASSET_BYTES / 1024 / 1024} MiB; download big files in a background script instead.`,
        );
      }
      const chunks = Math.max(1, Math.ceil(read.body.length / CHUNK_BYTES));
      for (let index = 0; index < chunks; index++) {
        const chunk = read.body.subarray(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
        writes.push({
          destination: file.destination,
          base64: chunk.toString('base64'),
          append: index > 0,
          // The mode is set after the last chunk, so a +x never applies to half a file.
          chmod: index === chunks - 1 ? (copy.chmod ?? '') : '',
        });
      }
    }
  }
  return writes;
}

/**
 * Copies a scenario's assets (`details.assets.host01`, already matched by the parser) from
 * `<scenarioDir>/assets/` into the sandbox, with their chmod. Exec has no stdin, so contents
 * travel base64-encoded as arguments, in chunks and batches sized for Linux's argv limits.
 */
export async function copyAssets(
  sandbox: ExecTarget,
  assets: readonly AssetCopy[],
  scenarioDir: string,
): Promise<void> {
  const writes = await readAssets(assets, scenarioDir);
  let batch: Write[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const args = batch.flatMap((write) => [
      write.destination,
      write.append ? 'append' : 'create',
      write.chmod,
      write.base64,
    ]);
    const result = await sandbox.exec(['/bin/sh', '-c', WRITER, 'nestbox-assets', ...args], {
      timeoutMs: 60_000,
    });
    if (result.code !== 0) {
      throw new ScenarioRuntimeError(
        'asset-copy-failed',
        `Could not copy the assets into the sandbox: ${result.stderr.trim()}`,
      );
    }
    batch = [];
    size = 0;
  };
  for (const write of writes) {
    if (size + write.base64.length > BATCH_BYTES) await flush();
    batch.push(write);
    size += write.base64.length + write.destination.length;
  }
  await flush();
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
