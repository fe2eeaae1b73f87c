/**
 * `nestbox shell [-- CMD...]`: a fresh sandbox attached to this terminal. It is also how the
 * sandbox is tested from outside the web UI, so it reports the command's exit status exactly.
 */
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { spawn as spawnPty } from 'node-pty';
import { loadConfig } from '../config.js';
import { openSandboxHost, type CommandLine } from '../sandbox/index.js';

export async function shell(command: string[]): Promise<number> {
  const config = loadConfig();
  const host = await openSandboxHost({
    ...config,
    maxSandboxes: config.maxSessions,
    onWarning: (message) => {
      process.stderr.write(`nestbox: ${message}\n`);
    },
  });
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
    return await (terminal ? runInPty(sandbox.start) : runWithOurStdio(sandbox.start));
  } finally {
    await sandbox.destroy();
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
}

function runWithOurStdio(command: CommandLine): Promise<number> {
  const child = spawnChild(command.file, command.args, { stdio: 'inherit', env: command.env });
  return new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/**
 * The sandbox takes the pty it runs in as its own terminal, so it gets a pty of ours (never the
 * user's terminal), and this terminal is put in raw mode and copied to and from it, as ssh does:
 * the sandbox's pty does the line discipline, echo and Ctrl-C included.
 */
function runInPty(command: CommandLine): Promise<number> {
  const pty = spawnPty(command.file, command.args, {
    name: process.env.TERM ?? 'xterm-256color',
    cols: process.stdout.columns,
    rows: process.stdout.rows,
    env: command.env,
    encoding: null,
  });
  const forwardInput = (data: Buffer): void => {
    pty.write(data);
  };
  const forwardSize = (): void => {
    pty.resize(process.stdout.columns, process.stdout.rows);
  };
  process.stdin.setRawMode(true);
  // Node's raw mode keeps ONLCR, so the \r\n the sandbox's pty already sends would reach the
  // screen as \r\r\n; ssh's raw mode turns output processing off too. stty sets the terminal
  // it reads from: our stdout's. setRawMode(false) restores the settings it had before.
  spawnSync('stty', ['-opost'], { stdio: [process.stdout.fd, 'ignore', 'ignore'] });
  process.stdin.on('data', forwardInput);
  process.stdout.on('resize', forwardSize);
  const output = pty.onData((data: string | Buffer) => process.stdout.write(data));
  return new Promise<number>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      output.dispose();
      process.stdout.off('resize', forwardSize);
      process.stdin.off('data', forwardInput);
      process.stdin.setRawMode(false);
      process.stdin.pause();
      resolve(signal ? 128 + signal : exitCode);
    });
  });
}
