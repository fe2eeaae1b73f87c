/**
 * What a scenario's scripts mean at run time (design.md §6), through the sandbox's public
 * `exec` only: verify (pass on exit 0, hints from `FAIL:` lines and the failure-reason file),
 * solve, and background scripts that run detached with a state the UI can ask about.
 */
import type { Sandbox } from '../sandbox/index.js';

/** All the runtime needs of a sandbox (a session passes its own). */
export type ExecTarget = Pick<Sandbox, 'exec'>;

export const VERIFY_TIMEOUT_MS = 15_000;

/** Where our bookkeeping lives inside a sandbox: a writable tmpfs, invisible in `ls ~`. */
const STATE_DIR = '/tmp/.nestbox';
/** Separates a verify script's own output from the failure-reason file we print after it. */
const REASON_MARKER = '@@nestbox-failure-reason@@';

export interface VerifyResult {
  passed: boolean;
  /** What to tell the learner when it did not pass: FAIL: lines, then the reason file. */
  hint: string;
}

export interface VerifyOptions {
  timeoutMs?: number;
  /** Katacoda-era scripts pass by printing `done`, whatever their exit status. */
  legacyDone?: boolean;
}

/**
 * Runs a verify script. It gets $VERIFICATION_FAILURE_REASON, a file it may write a hint to
 * (Killercoda's convention); lines it prints starting with `FAIL:` are hints too (Instruqt's).
 */
export async function runVerify(
  sandbox: ExecTarget,
  script: string,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const wrapper = [
    `mkdir -p ${STATE_DIR}`,
    `reason=$(mktemp ${STATE_DIR}/reason.XXXXXX)`,
    'VERIFICATION_FAILURE_REASON="$reason" bash -c "$1"',
    'status=$?',
    `printf '\\n%s\\n' '${REASON_MARKER}'`,
    'cat "$reason"; rm -f "$reason"',
    'exit $status',
  ].join('\n');
  let result;
  try {
    result = await sandbox.exec(['/bin/bash', '-c', wrapper, 'nestbox-verify', script], {
      timeoutMs: options.timeoutMs ?? VERIFY_TIMEOUT_MS,
    });
  } catch (error) {
    return { passed: false, hint: `The check could not finish: ${errorMessage(error)}` };
  }
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
  return { passed, hint: passed ? '' : [...failLines, reason].filter(Boolean).join('\n') };
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
  const result = await sandbox.exec(['/bin/bash', '-c', script], { timeoutMs });
  return { code: result.code, output: result.stdout + result.stderr };
}

export type BackgroundState = 'running' | 'succeeded' | 'failed';

/**
 * Starts a background script detached (setsid), so it outlives the exec that started it. Its
 * output goes to /tmp/.nestbox/background-<name>.log inside the sandbox, and its exit status
 * to a .status file when it ends, which is what `backgroundState` reads.
 */
export async function startBackground(
  sandbox: ExecTarget,
  name: string,
  script: string,
): Promise<void> {
  const base = `${STATE_DIR}/background-${safeName(name)}`;
  const starter = [
    `mkdir -p ${STATE_DIR}`,
    `rm -f ${base}.status`,
    `setsid bash -c 'bash -c "$1" >${base}.log 2>&1; echo $? >${base}.status.tmp; mv ${base}.status.tmp ${base}.status' nestbox-background "$1" </dev/null >/dev/null 2>&1 &`,
  ].join('\n');
  const result = await sandbox.exec(['/bin/bash', '-c', starter, 'nestbox-start', script]);
  if (result.code !== 0)
    throw new Error(`could not start background script ${name}: ${result.stderr}`);
}

export async function backgroundState(sandbox: ExecTarget, name: string): Promise<BackgroundState> {
  const result = await sandbox.exec([
    '/bin/sh',
    '-c',
    `cat ${STATE_DIR}/background-${safeName(name)}.status 2>/dev/null`,
  ]);
  const status = result.stdout.trim();
  if (status === '') return 'running';
  return status === '0' ? 'succeeded' : 'failed';
}

/** Waits for a background script to end; resolves with its final state. */
export async function waitForBackground(
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

function safeName(name: string): string {
  return name.replace(/[^\w-]/g, '_');
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
