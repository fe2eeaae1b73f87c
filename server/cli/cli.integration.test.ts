/**
 * Bad input and missing pieces get one clear line that says what to do, never a stack trace.
 * These run the real `nestbox` command and the real server entry point.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { detectCgroupLayout } from '../sandbox/cgroups.js';
import { removeParentCgroup } from '../sandbox/test-helpers.js';
import { temporaryDatabase } from '../store/temporary.js';

/** The servers started here keep progress in a throwaway database, not the lab's. */
const database = temporaryDatabase();
afterAll(() => {
  database.remove();
});

function nestbox(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/nestbox.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

function expectOneClearLine(stderr: string, pattern: RegExp): void {
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack frames
}

describe('the nestbox command', () => {
  it('names a missing crun and how to install it', () => {
    const result = nestbox(['shell', '--', 'true'], { NESTBOX_CRUN: '/nonexistent/crun' });
    expect(result.status).toBe(1);
    expectOneClearLine(
      result.stderr,
      /nestbox: .*"\/nonexistent\/crun" was not found\. Install it with: apt-get install -y crun/,
    );
  });

  it('names a missing image and how to build it', () => {
    const emptyDataDir = mkdtempSync(join(tmpdir(), 'nestbox-no-image-'));
    const result = nestbox(['shell', '--', 'true'], { NESTBOX_DATA_DIR: emptyDataDir });
    expect(result.status).toBe(1);
    expectOneClearLine(
      result.stderr,
      /nestbox: The sandbox image is not ready .* npx nestbox image build/,
    );
  });

  it('names a bad configuration variable', () => {
    const result = nestbox(['shell', '--', 'true'], { NESTBOX_MEMORY_MB: 'lots' });
    expect(result.status).toBe(1);
    expectOneClearLine(result.stderr, /nestbox: NESTBOX_MEMORY_MB=lots is invalid/);
  });

  it('reports every piece in doctor, with fixes for missing ones', () => {
    const result = nestbox(['doctor'], { NESTBOX_CRUN: '/nonexistent/crun' });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^ok\s+cgroups\s+(v2|v1|hybrid)/m);
    expect(result.stdout).toMatch(/^ok\s+user namespaces/m);
    expect(result.stdout).toMatch(/^MISSING\s+crun\s+not found\n\s+fix: apt-get install -y crun/m);
    expect(result.stdout).toMatch(/^ok\s+console helper/m);
    expect(result.stdout).toMatch(/^ok\s+static C library\s+\/\S+\/libc\.a$/m);
    expect(result.stdout).toMatch(/^ok\s+image/m);
  });

  it('says in doctor what to install for the init’s static build without a compiler', () => {
    const result = nestbox(['doctor'], { CC: '/no/such/cc' });
    expect(result.stdout).toMatch(
      /^MISSING\s+static C library\s+no C compiler to look for libc\.a with\n\s+fix: apt-get install -y gcc libc6-dev$/m,
    );
  });

  it('names the rootfs mode in doctor: idmap here, shifted when forced', async () => {
    const own = {
      NESTBOX_RUN_DIR: '/run/nestbox-it-doctor',
      NESTBOX_CGROUP_PARENT: 'nestbox-it-doctor',
      NESTBOX_ID_BASE: '1610000000',
    };
    try {
      expect(nestbox(['doctor'], own).stdout).toMatch(
        /^ok\s+rootfs\s+idmap: idmapped mounts work/m,
      );
      const forced = nestbox(['doctor'], { ...own, NESTBOX_ROOTFS_MODE: 'shifted' });
      expect(forced.stdout).toMatch(/^ok\s+rootfs\s+shifted \(forced\): uid-shifted image copies/m);
    } finally {
      const layout = await detectCgroupLayout();
      if (layout) await removeParentCgroup(layout, own.NESTBOX_CGROUP_PARENT);
    }
  });

  it('rejects an unknown command with the usage', () => {
    const result = nestbox(['fly']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command "fly"/);
    expect(result.stderr).toMatch(/Usage: nestbox/);
  });
});

describe('the server', () => {
  let occupied: Server;
  let port = 0;

  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const address = occupied.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(() => {
    occupied.close();
  });

  it('says clearly when its port is already in use', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PORT: String(port),
        NESTBOX_DB: database.path,
        NESTBOX_RUN_DIR: '/run/nestbox-it-cli-port',

        NESTBOX_CGROUP_PARENT: 'nestbox-it-cli-port',
        NESTBOX_ID_BASE: '1600000000',
      },
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expectOneClearLine(
      result.stderr,
      new RegExp(`nestbox: Port ${port} on 127.0.0.1 is already in use`),
    );
  });

  it('stops on SIGTERM in development mode, leaving no worker behind', async () => {
    const child = spawn(process.execPath, ['bin/nestbox.mjs', 'start', '--dev'], {
      env: {
        ...process.env,
        PORT: '0',
        NESTBOX_DB: database.path,
        NESTBOX_RUN_DIR: '/run/nestbox-it-cli-dev-stop',
        NESTBOX_CGROUP_PARENT: 'nestbox-it-cli-dev-stop',
        NESTBOX_ID_BASE: '1610000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = /lab ready at (http[^\s"]+)/.exec(output);
        if (ready?.[1]) resolve(ready[1]);
      });
      void exited.then(() => {
        reject(new Error(`the dev server exited early:\n${output}`));
      });
    });
    // A page request makes Next start its Turbopack worker, which once outlived close().
    expect((await fetch(url)).status).toBe(200);
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<string>((resolve) =>
        setTimeout(() => {
          resolve('still running');
        }, 20_000),
      ),
    ]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(code).toBe(0);
  }, 120_000);

  it('keeps serving, without spinning, after whatever read its log has gone', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        NESTBOX_DB: database.path,
        NESTBOX_RUN_DIR: '/run/nestbox-it-cli-log-reader',
        NESTBOX_CGROUP_PARENT: 'nestbox-it-cli-log-reader',
        NESTBOX_ID_BASE: '1620000000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = /lab ready at (http[^\s"]+)/.exec(output);
        if (ready?.[1]) resolve(ready[1]);
      });
    });
    child.stdout.destroy();
    child.stderr.destroy();
    // A rejected terminal is logged, so the server now writes to a pipe nobody reads.
    const rejected = new WebSocket(`${url.replace('http', 'ws')}/api/terminal`, {
      origin: 'http://elsewhere.example',
    });
    await new Promise((resolve) => rejected.on('error', resolve));
    expect((await fetch(url)).status).toBe(200);
    const cpuSeconds = async () => {
      const fields = (await readFile(`/proc/${String(child.pid)}/stat`, 'utf8')).split(') ')[1];
      const [utime, stime] = (fields ?? '').split(' ').slice(11, 13).map(Number);
      return ((utime ?? 0) + (stime ?? 0)) / 100;
    };
    const before = await cpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await cpuSeconds()).toBeLessThan(before + 0.5);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
