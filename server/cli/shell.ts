/**
 * `nestbox shell [-- CMD...]`: a fresh sandbox attached to this terminal. It is also how the
 * sandbox is tested from outside the web UI, so it reports the command's exit status exactly.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { loadConfig } from '../config.js';
import { openSandboxHost } from '../sandbox/index.js';

export async function shell(command: string[]): Promise<number> {
  const config = loadConfig();
  const host = await openSandboxHost({ ...config, maxSandboxes: config.maxSessions });
  // A pty only when we have one to give: piped output stays free of \r\n and escape codes.
  const terminal = process.stdin.isTTY && process.stdout.isTTY;
  const sandbox = await host.create({
    ...(command.length > 0 ? { command } : {}),
    terminal,
  });
  // The sandbox's processes get Ctrl-C (through the pty, or as crun forwards it); we must live
  // on to clean up after them.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  try {
    const child = spawn(sandbox.start.file, sandbox.start.args, {
      stdio: 'inherit',
      env: sandbox.start.env,
    });
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
      });
    });
  } finally {
    await sandbox.destroy();
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
}
