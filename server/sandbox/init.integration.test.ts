/**
 * The sandbox's init (init/init.c), compiled as image.ts compiles it and run as PID 1 of a PID
 * namespace of its own (util-linux unshare, as root), the way a sandbox runs it: what it reaps,
 * which exits end it, and which deaths it starts the command again after. terminal.integration
 * .test.ts shows the same in a real sandbox's first terminal.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { compileInit } from './init.js';

let scratch: string;
let init: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nestbox-init-'));
  init = join(scratch, 'nestbox-init');
  await compileInit(init);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface InitRun {
  /** The init's pid on the host (unshare's child), once it runs. */
  pid: () => Promise<number>;
  /** Its exit status (128 + the signal when one killed it) and everything it printed. */
  done: Promise<{ status: number; output: string }>;
}

/**
 * Runs the init with `args` as PID 1 of a new PID namespace, with its own /proc for ps. Its
 * stdout and stderr are one pipe, so what it and its commands print keeps its order.
 */
function runInit(args: string[]): InitRun {
  const unshare = ['unshare', '--pid', '--fork', '--mount-proc', init, ...args];
  const child = spawn('/bin/sh', ['-c', 'exec "$@" 2>&1', 'sh', ...unshare], {
    cwd: scratch,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  const done = new Promise<{ status: number; output: string }>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ status: code ?? 128 + (signal === null ? 0 : constants.signals[signal]), output });
    });
  });
  return { pid: () => firstChild(child.pid ?? 0), done };
}

/** Shell lines: a job of the shell's, stopped (taken, not only sent) and its pid in ./stopped. */
const STOP_A_JOB = [
  '  sleep 61 & kill -STOP $!; echo $! > stopped',
  '  until [ "$(ps -o stat= -p $!)" = T ]; do sleep 0.05; done',
].join('\n');

/**
 * Shell lines: "stopped job: " and the state of the job STOP_A_JOB stopped, once it is gone (up
 * to 5 s): a job hung up by the init is reaped by it, so nothing, not even a zombie, is left.
 */
const REPORT_STOPPED_JOB = [
  'i=0; while [ -n "$(ps -o stat= -p $(cat stopped))" ] && [ $i -lt 100 ]; do',
  '  sleep 0.05; i=$((i + 1))',
  'done',
  'echo "stopped job: $(ps -o stat= -p $(cat stopped))"',
].join('\n');

/** The host pid of `pid`'s first child, once it has one (within 10 s). */
async function firstChild(pid: number): Promise<number> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const children = await readFile(
      `/proc/${String(pid)}/task/${String(pid)}/children`,
      'utf8',
    ).catch(() => '');
    const first = children.trim().split(' ')[0];
    if (first) return Number(first);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`process ${String(pid)} started no child`);
}

/** The bytes `pid` has read so far (rchar in /proc/PID/io). */
async function charsRead(pid: number): Promise<number> {
  const io = await readFile(`/proc/${String(pid)}/io`, 'utf8');
  return Number(/^rchar: (\d+)$/m.exec(io)?.[1]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A command that counts its runs in ./runs (one file per test) and echoes which run it is. */
function counted(file: string, then: string): string[] {
  return [
    '/bin/sh',
    '-c',
    `n=$(( $(cat ${file} 2>/dev/null || echo 0) + 1 )); echo $n > ${file}; echo "run $n"; ${then}`,
  ];
}

describe('compileInit', () => {
  it('says what to install when there is no C compiler', async () => {
    const compiler = process.env.CC;
    process.env.CC = '/no/such/cc';
    try {
      await expect(compileInit(join(scratch, 'unbuilt'))).rejects.toThrow(
        'No C compiler ("/no/such/cc") to build the sandbox\'s init with. Install one with: apt-get install -y gcc libc6-dev',
      );
    } finally {
      if (compiler === undefined) delete process.env.CC;
      else process.env.CC = compiler;
    }
  });

  it('passes the compiler’s complaint on when the source does not build', async () => {
    const source = join(scratch, 'broken.c');
    await writeFile(source, 'int main(void) { return missing; }\n');
    await expect(compileInit(join(scratch, 'unbuilt'), source)).rejects.toThrow(
      /Compiling the sandbox's init \(.*broken\.c\) failed.*\n(.|\n)*.missing. undeclared/,
    );
  });
});

describe('nestbox-init', () => {
  it('exits with its command’s status, or 128 + the signal that killed it', async () => {
    expect((await runInit(['--', '/bin/sh', '-c', 'exit 7']).done).status).toBe(7);
    expect((await runInit(['--', '/bin/sh', '-c', 'kill -9 $$']).done).status).toBe(137);
  });

  it('says how it is used when the command or the -- is missing', async () => {
    for (const args of [[], ['--respawn'], ['--'], ['/bin/true']]) {
      const { status, output } = await runInit(args).done;
      expect(status, args.join(' ')).toBe(2);
      expect(output).toContain('usage: nestbox-init [--respawn] -- COMMAND [ARG...]');
    }
  });

  it('says so when its command cannot be run', async () => {
    const { status, output } = await runInit(['--', '/no/such/command']).done;
    expect(status).toBe(127);
    expect(output).toContain(
      'nestbox-init: cannot run /no/such/command: No such file or directory',
    );
  });

  it('reaps the orphans its namespace hands it', async () => {
    // The subshell exits at once, so its sleep is handed to PID 1; once the sleep ends, only a
    // reaping init keeps it from staying a zombie.
    const { status, output } = await runInit([
      '--',
      '/bin/sh',
      '-c',
      '(sleep 0.2 &); sleep 1.5; echo "zombies: $(ps -eo stat= | grep -c ^Z)"',
    ]).done;
    expect(output).toContain('zombies: 0');
    expect(status).toBe(0);
  });

  it('passes a signal it is sent on to its command, and ends with it, even with --respawn', async () => {
    const run = runInit(['--respawn', '--', '/bin/sleep', '30']);
    // Once the init has started its command.
    const pid = await run.pid();
    await firstChild(pid);
    process.kill(pid, 'SIGTERM');
    const { status, output } = await run.done;
    expect(status).toBe(128 + 15);
    expect(output).not.toContain('starting a new one');
  });

  describe('with --respawn', () => {
    it('starts its command again when a signal it did not pass on kills it', async () => {
      // The first run kills itself; the second exits, which ends the init with its status.
      const { status, output } = await runInit([
        '--respawn',
        '--',
        ...counted('killed-once', '[ $n -eq 1 ] && kill -9 $$; exit 3'),
      ]).done;
      expect(output).toMatch(
        /run 1\n\nnestbox-init: \/bin\/sh was killed \(Killed\); starting a new one\.\nrun 2\n$/,
      );
      expect(status).toBe(3);
    });

    it('judges each run by the signals passed on to that run only', async () => {
      // Run 1 ignores a SIGUSR1 sent to the init and passed on, then is killed; run 2 dies of a
      // SIGUSR1 of its own, which was not passed on, so it is started again too.
      const { status, output } = await runInit([
        '--respawn',
        '--',
        ...counted(
          'passed-on',
          [
            'case $n in',
            `  1) trap '' USR1; kill -USR1 1; sleep 0.3; kill -9 $$ ;;`,
            '  2) kill -USR1 $$ ;;',
            'esac',
          ].join('\n'),
        ),
      ]).done;
      expect(output.match(/^run \d$/gm)).toEqual(['run 1', 'run 2', 'run 3']);
      expect(status).toBe(0);
    });

    it('does not start it again after it exits, or dies of SIGHUP (its terminal hung up)', async () => {
      const exited = await runInit(['--respawn', '--', ...counted('exits', 'exit 0')]).done;
      expect(exited).toEqual({ status: 0, output: 'run 1\n' });
      const hungUp = await runInit(['--respawn', '--', ...counted('hup', 'kill -HUP $$')]).done;
      expect(hungUp).toEqual({ status: 128 + 1, output: 'run 1\n' });
    });

    it('gives up on a command that is killed right after each start, three times in a row', async () => {
      const { status, output } = await runInit([
        '--respawn',
        '--',
        ...counted('always-killed', 'kill -9 $$'),
      ]).done;
      expect(status).toBe(137);
      expect(output.match(/^run \d$/gm)).toEqual(['run 1', 'run 2', 'run 3']);
      expect(output).toContain(
        'nestbox-init: /bin/sh was killed (Killed) 3 times in a row right after it started; not starting it again.',
      );
    });

    it('hangs up the dead shell’s stopped jobs, and leaves its running ones', async () => {
      const { status, output } = await runInit([
        '--respawn',
        '--',
        ...counted(
          'jobs',
          [
            'if [ $n -eq 1 ]; then',
            // A job in a group of its own, as a shell with job control starts it (perl-base is
            // in every Debian), and a stopped one in the shell's group.
            `  perl -e 'setpgrp(0, 0); sleep 60' & echo $! > running`,
            '  until [ $(ps -o pgid= -p $!) = $! ]; do sleep 0.05; done',
            STOP_A_JOB,
            '  kill -9 $$',
            'fi',
            REPORT_STOPPED_JOB,
            'echo "running job: $(ps -o comm= -p $(cat running))"',
          ].join('\n'),
        ),
      ]).done;
      expect(output).toMatch(/run 2\nstopped job: \nrunning job: perl\n$/);
      expect(status).toBe(0);
    });

    it('finds the stopped jobs even when the learner covered /proc', async () => {
      const { output } = await runInit([
        '--respawn',
        '--',
        ...counted(
          'covered',
          [
            'if [ $n -eq 1 ]; then',
            STOP_A_JOB,
            '  mount -t tmpfs cover /proc',
            '  kill -9 $$',
            'fi',
            'umount /proc',
            REPORT_STOPPED_JOB,
          ].join('\n'),
        ),
      ]).done;
      expect(output).toMatch(/run 2\nstopped job: \n$/);
    });

    it('gives the terminal to the new shell: output resumed, the old foreground job hung up', async () => {
      const pty = spawnPty(
        'unshare',
        ['--pid', '--fork', '--mount-proc', init, '--respawn', '--', '/bin/bash', '--norc', '-i'],
        { cwd: scratch, env: { PATH: process.env.PATH ?? '', PS1: 'prompt$ ', TERM: 'dumb' } },
      );
      let output = '';
      pty.onData((data) => (output += data));
      const exited = new Promise<number>((resolve) =>
        pty.onExit(({ exitCode }) => {
          resolve(exitCode);
        }),
      );
      const shell = await firstChild(await firstChild(pty.pid));
      await vi.waitUntil(() => output.includes('prompt$ '), { timeout: 10_000 });
      pty.write('cat\r');
      const cat = await firstChild(shell);
      // Ctrl-S stops output; the init must not wait for it, nor the new shell's words. The
      // terminal handles its input in order, so once cat has read the line after the Ctrl-S,
      // output is stopped (and cat blocked writing the line back).
      await vi.waitUntil(
        async () => (await readFile(`/proc/${String(cat)}/wchan`, 'utf8')) === 'wait_woken',
        {
          timeout: 10_000,
        },
      );
      const readBefore = await charsRead(cat);
      pty.write('\x13ping\r');
      await vi.waitUntil(async () => (await charsRead(cat)) >= readBefore + 'ping\n'.length, {
        timeout: 10_000,
      });
      process.kill(shell, 'SIGKILL');
      await vi.waitUntil(() => /starting a new one\.\r?\n(.|\n)*prompt\$ $/.test(output), {
        timeout: 10_000,
      });
      await vi.waitUntil(() => !isAlive(cat), { timeout: 10_000 });
      // The new shell reads the keys: no cat left to take them.
      pty.write('echo "$((6 * 7))"\r');
      await vi.waitUntil(() => output.includes('42'), { timeout: 10_000 });
      pty.write('exit\r');
      expect(await exited).toBe(0);
    });

    it('counts only deaths in a row: a run that lived a while starts the count again', async () => {
      // Runs 1, 2 and 4, 5 die at once; run 3 lives past the 2 s that count as "at once".
      const { status, output } = await runInit([
        '--respawn',
        '--',
        ...counted('spaced', '[ $n -eq 3 ] && sleep 2.2; [ $n -eq 6 ] && exit 0; kill -9 $$'),
      ]).done;
      expect(output.match(/^run \d$/gm)).toEqual([
        'run 1',
        'run 2',
        'run 3',
        'run 4',
        'run 5',
        'run 6',
      ]);
      expect(status).toBe(0);
    });
  });
});
