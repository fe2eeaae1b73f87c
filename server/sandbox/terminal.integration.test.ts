/**
 * A sandbox's shell on the pty it runs in (console/console.c, controlling-terminal.ts): the
 * first terminal and a tab each get it as their controlling terminal, with job control, signals
 * from the keyboard and resize, run in real node-pty ptys as the sessions module runs them.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { release } from 'node:os';
import { spawn, type IPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePath } from './console-path.js';
import type { CommandLine, Sandbox } from './index.js';
import { isAtLeast, parseKernelRelease } from './preflight.js';
import { openTestHost, type TestHost } from './test-helpers.js';

let test: TestHost;
let sandbox: Sandbox;
let first: PtyRun;

/** A command line running in a pty, with everything it printed so far. */
interface PtyRun {
  pty: IPty;
  output: () => string;
  exited: Promise<number>;
  /** Resolves once the output after `from` matches `pattern`; rejects after 10 s. */
  waitFor(pattern: RegExp, from?: number): Promise<string>;
}

function runInPty(line: CommandLine, size = { cols: 80, rows: 24 }): PtyRun {
  const pty = spawn(line.file, line.args, { env: line.env, ...size, encoding: null });
  let output = '';
  const listeners = new Set<() => void>();
  pty.onData((data: string | Buffer) => {
    output += data.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number>((resolve) => {
    pty.onExit(({ exitCode }) => {
      resolve(exitCode);
    });
  });
  return {
    pty,
    output: () => output,
    exited,
    waitFor(pattern, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output.slice(from));
          if (!match) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(match[0]);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${String(pattern)} in: ${JSON.stringify(output.slice(from))}`));
        }, 10_000);
        listeners.add(check);
        check();
      });
    },
  };
}

/** Types `keys` into the shell and waits for `pattern` in what follows; returns all of that. */
async function typeAndWait(run: PtyRun, keys: string, pattern: RegExp): Promise<string> {
  const from = run.output().length;
  run.pty.write(keys);
  await run.waitFor(pattern, from);
  return run.output().slice(from);
}

const PROMPT = /root@nestbox:~# $/;
/** bash's bracketed-paste switches (ESC [?2004h and l), around every command it runs. */
const BRACKETED_PASTE = new RegExp(`${String.fromCharCode(0x1b)}\\[\\?2004[hl]\\r?`, 'g');

/** Runs one command line at the prompt; returns what it printed (without the echoed line). */
async function command(run: PtyRun, line: string): Promise<string> {
  const printed = await typeAndWait(run, `${line}\r`, PROMPT);
  // Without the echoed line, bash's bracketed-paste switches and the prompt.
  return printed
    .slice(printed.indexOf('\r\n') + 2)
    .replaceAll(BRACKETED_PASTE, '')
    .replace(PROMPT, '');
}

/**
 * Waits until a process `name` runs in the foreground of its terminal (`+` in ps's STAT, asked
 * beside the shell): only then does a Ctrl-C reach it rather than the shell still starting it.
 */
async function waitForForeground(name: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { stdout } = await sandbox.exec(['ps', '-o', 'stat=', '-C', name]);
    if (/^[RS]\S*\+/m.test(stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} never ran in the foreground`);
}

/** Starts `sleep seconds` in the foreground; the seconds name it among the other sleeps. */
async function startSleep(run: PtyRun, seconds: number): Promise<void> {
  run.pty.write(`sleep ${seconds}\r`);
  await waitForForeground('sleep');
}

beforeAll(async () => {
  // Slot 8's uids are teardown.integration.test.ts's, which counts every process in them as
  // left over; slots 0–9 are all taken, so a range of its own.
  test = await openTestHost('terminal', 8, { NESTBOX_ID_BASE: '2620000000' });
  sandbox = await test.host.create({ terminal: true });
  first = runInPty(sandbox.start);
  await first.waitFor(PROMPT);
});

afterAll(async () => {
  first.pty.kill();
  await sandbox.destroy();
  await test.close();
});

describe('the first terminal', () => {
  it('is the shell’s controlling terminal, named /dev/console, and the shell is the init’s child', async () => {
    expect(await command(first, 'tty')).toMatch(/^\/dev\/console\r\n/);
    // In the init's session (init.ts); the tests below show that job control works.
    expect(await command(first, 'ps -o ppid=,sid=,tty=,comm= -p $$')).toMatch(
      /^\s+1\s+1 console\s+bash\r\n/,
    );
    expect(await command(first, 'ps -o pid=,comm= -p 1')).toMatch(/^\s+1 nestbox-init\r\n/);
  });

  it('sends Ctrl-C to the foreground job and leaves the shell', async () => {
    await startSleep(first, 300);
    await typeAndWait(first, '\x03', PROMPT);
    expect(await command(first, 'echo "status=$?"')).toMatch(/^status=130\r\n/);
  });

  it('stops a job with Ctrl-Z and brings it back with fg', async () => {
    await startSleep(first, 301);
    expect(await typeAndWait(first, '\x1a', PROMPT)).toMatch(/Stopped\s+sleep 301/);
    first.pty.write('fg\r');
    await waitForForeground('sleep');
    await typeAndWait(first, '\x03', PROMPT);
    expect(await command(first, 'jobs | wc -l')).toMatch(/^0\r\n/);
  });

  it('gets a resize as SIGWINCH, with the new size', async () => {
    const from = first.output().length;
    first.pty.resize(132, 43);
    // readline redraws its line on SIGWINCH: the signal arrived.
    await first.waitFor(PROMPT, from);
    expect(await command(first, 'stty size')).toMatch(/^43 132\r\n/);
  });

  // Custom slices, and their line in /proc/PID/sched (in ns), came with Linux 6.12.
  const kernel = parseKernelRelease(release()) ?? [0];
  it.skipIf(!isAtLeast(kernel, [6, 12]))(
    'runs the shell and what it starts in 0.1 ms scheduler slices',
    async () => {
      const slices = await command(
        first,
        'grep se.slice /proc/$$/sched; sh -c "grep se.slice /proc/self/sched"',
      );
      expect(slices).toMatch(/^se\.slice\s+:\s+100000\r\nse\.slice\s+:\s+100000\r\n/);
    },
  );

  it('belongs to the sandbox’s root, not to the host’s', () => {
    // node-pty's child is crun run by now (nestbox-console execs it), with the pty as stdin.
    const pty = statSync(`/proc/${first.pty.pid}/fd/0`);
    expect(pty.isCharacterDevice()).toBe(true);
    expect(pty.uid).toBe(sandbox.idRange.hostId);
  });

  // Last: it kills every process of the sandbox but its init.
  it('gets a new shell, in sane terminal modes, when `kill -9 -1` in a tab kills its shell', async () => {
    expect(await command(first, 'echo kept > /root/mark; echo $$')).toMatch(/^\d+\r\n/);
    // A foreground program that turned echo off, as an editor does, dies with the shell.
    first.pty.write('stty -echo; sleep 304\r');
    await waitForForeground('sleep');
    const from = first.output().length;
    await sandbox.exec(['/bin/sh', '-c', 'kill -9 -1']);
    await first.waitFor(
      /nestbox-init: \/bin\/bash was killed \(Killed\); starting a new one\./,
      from,
    );
    await first.waitFor(PROMPT, from);
    // The same session: its files are there, and the new shell has the terminal, job control
    // and the modes of the start (bash keeps what it found at its own start between commands).
    expect(await command(first, 'cat /root/mark')).toMatch(/^kept\r\n/);
    expect(await command(first, 'ps -o ppid=,sid=,tty=,comm= -p $$')).toMatch(
      /^\s+1\s+1 console\s+bash\r\n/,
    );
    expect(await command(first, 'stty -a | grep -o -- "-\\?echo " | head -1')).toMatch(
      /^echo \r\n/,
    );
    await startSleep(first, 305);
    await typeAndWait(first, '\x03', PROMPT);
  });
});

describe('a tab', () => {
  it('has its pty as its controlling terminal, with job control, and ends with its status', async () => {
    const tab = runInPty(sandbox.execStart(['/bin/bash', '--login'], { terminal: true }));
    await tab.waitFor(PROMPT);
    expect(tab.output()).not.toContain('no job control');
    await startSleep(tab, 302);
    await typeAndWait(tab, '\x03', PROMPT);
    expect(await command(tab, 'echo "status=$?"')).toMatch(/^status=130\r\n/);
    await startSleep(tab, 303);
    expect(await typeAndWait(tab, '\x1a', PROMPT)).toMatch(/Stopped\s+sleep 303/);
    tab.pty.write('fg\r');
    await waitForForeground('sleep');
    await typeAndWait(tab, '\x03', PROMPT);
    tab.pty.write('exit 7\r');
    expect(await tab.exited).toBe(7);
  });

  it('does not take the first terminal’s keys', async () => {
    const tab = runInPty(
      sandbox.execStart(['/bin/sh', '-c', 'read line; echo "tab=$line"'], { terminal: true }),
    );
    expect(await command(first, 'echo first-only')).toMatch(/^first-only\r\n/);
    tab.pty.write('for-the-tab\r');
    await tab.waitFor(/tab=for-the-tab/);
    expect(await tab.exited).toBe(0);
  });
});

describe('a given command with a terminal', () => {
  it('is not started again when a signal kills it: its status is the sandbox’s', async () => {
    const given = await test.host.create({
      terminal: true,
      command: ['/bin/sh', '-c', 'kill -9 $$'],
    });
    try {
      const run = runInPty(given.start);
      expect(await run.exited).toBe(137);
      expect(run.output()).not.toContain('starting a new one');
    } finally {
      await given.destroy();
    }
  });
});

describe('nestbox-console', () => {
  it('refuses to run without a pty, saying why', () => {
    const result = spawnSync(consolePath(), ['1', '1', '--', '/bin/true'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result.status).toBe(125);
    expect(result.stderr.toString()).toMatch(/nestbox-console: stdin is not a terminal/);
  });

  it('refuses ids that are not numbers', () => {
    const result = spawnSync(consolePath(), ['root', '1', '--', '/bin/true'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result.status).toBe(125);
    expect(result.stderr.toString()).toContain('not a uid or gid: root');
  });
});
