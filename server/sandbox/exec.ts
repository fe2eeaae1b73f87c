/**
 * Running a command beside a sandbox's first process (verify and background scripts, extra
 * terminal tabs): in the same namespaces and cgroup, with the same hardening, bounded in time
 * and output, and with nothing of the server's environment or file descriptors.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import type { OciProcess } from './oci.js';
import { runtimeArgv, RUNTIME_ENV, type RuntimeConfig } from './runtime.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when stdout or stderr went past the bound and the rest was dropped. */
  truncated: boolean;
}

/**
 * The process spec for `crun exec --process`. Passing the command as bare arguments instead
 * would leave no_new_privs off and the working directory at /; this way an exec'd process gets
 * exactly what the first process got: user, capabilities, rlimits, no_new_privs and the
 * environment built from nothing.
 */
export function execProcess(base: OciProcess, argv: readonly string[]): OciProcess {
  return { ...base, args: [...argv] };
}

/** How long output may trail the exit of crun exec. */
const OUTPUT_GRACE_MS = 100;
/** How long crun exec gets to return once its command was killed. */
const KILL_GRACE_MS = 2000;

export class ExecTimeoutError extends Error {
  override readonly name = 'ExecTimeoutError';
}

/** Keeps the first `limit` bytes of a stream and drops the rest, but keeps reading, so a
 *  chatty command never blocks on a full pipe. */
function boundedCollector(limit: number): {
  push: (chunk: Buffer) => void;
  text: () => string;
  truncated: () => boolean;
} {
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = false;
  return {
    push: (chunk) => {
      const room = limit - kept;
      if (chunk.length > room) dropped = true;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      kept += part.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
    truncated: () => dropped,
  };
}

export interface RunExecOptions {
  /** A process spec file in the bundle (see execProcess). */
  processFile: string;
  /** Where crun writes the host pid of the command, for the timeout to find it. */
  pidFile: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

/** Reads the process group from /proc/<pid>/stat (the fields after the command name). */
export function processGroupOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const group = Number(fields[2]);
  return Number.isInteger(group) && group > 1 ? group : undefined;
}

/**
 * Kills the command and its process group: crun exec starts it in a session of its own, so the
 * group is everything it started that did not leave it (a verify script's background jobs).
 * While crun exec waits for the command, its pid cannot be reused, so the pid read is its own.
 */
async function killCommand(pidFile: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return;
  const group = processGroupOf(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  for (const target of group === undefined ? [pid] : [-group, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Runs `crun exec --process` to completion. stdin is /dev/null; stdout and stderr are pipes of
 * ours, so the command sees fds 0, 1 and 2 and nothing else. After `timeoutMs` the command is
 * killed and the promise rejects with ExecTimeoutError.
 */
export function runExec(
  runtime: RuntimeConfig,
  id: string,
  options: RunExecOptions,
): Promise<ExecResult> {
  const [file = runtime.crunPath, ...args] = runtimeArgv(runtime, [
    'exec',
    '--process',
    options.processFile,
    '--pid-file',
    options.pidFile,
    id,
  ]);
  const child = spawn(file, args, { env: RUNTIME_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = boundedCollector(options.maxOutputBytes);
  const stderr = boundedCollector(options.maxOutputBytes);
  child.stdout.on('data', stdout.push);
  child.stderr.on('data', stderr.push);

  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void killCommand(options.pidFile).finally(() => {
        // crun exec returns once its command is gone; should it not, it goes too.
        setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
      });
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'close' waits for every holder of the pipes, and a background process the command left
    // behind may keep them open long after crun exec returned: so after 'exit', the output
    // still in the pipes gets a moment, and then the result is in.
    let exitCode = 0;
    const finish = (): void => {
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      if (timedOut) {
        reject(new ExecTimeoutError(`timed out after ${options.timeoutMs} ms`));
        return;
      }
      resolve({
        code: exitCode,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated() || stderr.truncated(),
      });
    };
    child.on('exit', (code, signal) => {
      clearTimeout(timer); // the command's pid may be reused from here on
      exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
      setTimeout(finish, OUTPUT_GRACE_MS);
    });
    child.on('close', finish);
  });
}
