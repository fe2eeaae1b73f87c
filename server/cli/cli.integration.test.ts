/**
 * Bad input and missing pieces get one clear line that says what to do, never a stack trace.
 * These run the real `nestbox` command and the real server entry point.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCgroupLayout } from '../sandbox/cgroups.js';
import { removeParentCgroup } from '../sandbox/test-helpers.js';

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
    expect(result.stdout).toMatch(/^ok\s+console relay/m);
    expect(result.stdout).toMatch(/^ok\s+image/m);
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
        NESTBOX_RUN_DIR: '/run/nestbox-port-test',

        NESTBOX_CGROUP_PARENT: 'nestbox-port-test',
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
});
