/**
 * Each way the host can fail a sandbox gives a SandboxError with a stable code and a message
 * that says how to fix it (the pure checks are in preflight.test.ts; the full parent cgroup in
 * limits.integration.test.ts).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openSandboxHost, type SandboxHostConfig } from './index.js';
import { removeParentCgroup } from './test-helpers.js';

const config: SandboxHostConfig = {
  ...loadConfig({
    ...process.env,
    NESTBOX_RUN_DIR: '/run/nestbox-it-errors',
    NESTBOX_ID_BASE: '1195000000',
    NESTBOX_CGROUP_PARENT: 'nestbox-it-errors',
  }),
  maxSandboxes: 1,
};
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nestbox-errors-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('openSandboxHost', () => {
  it('names a missing crun and how to install it', async () => {
    await expect(
      openSandboxHost({ ...config, crunPath: '/nonexistent/crun' }),
    ).rejects.toMatchObject({
      name: 'SandboxError',
      code: 'runtime-missing',
      message: expect.stringContaining('apt-get install -y crun') as unknown,
    });
  });

  it('names a crun that is too old', async () => {
    const oldCrun = join(scratch, 'crun');
    await writeFile(oldCrun, '#!/bin/sh\necho "crun version 1.4.2"\n');
    await chmod(oldCrun, 0o755);
    await expect(openSandboxHost({ ...config, crunPath: oldCrun })).rejects.toMatchObject({
      code: 'runtime-too-old',
      message: expect.stringMatching(/crun 1\.4\.2.*needs crun 1\.5 or later/) as unknown,
    });
  });

  it('names a missing image and how to build it', async () => {
    await expect(openSandboxHost({ ...config, dataDir: scratch })).rejects.toMatchObject({
      code: 'image-missing',
      message: expect.stringContaining('npx nestbox image build') as unknown,
    });
  });
});

describe('create', () => {
  it('says when every sandbox is in use', async () => {
    const host = await openSandboxHost(config);
    try {
      const first = await host.create({ terminal: false });
      await expect(host.create({ terminal: false })).rejects.toMatchObject({
        code: 'capacity',
        message: expect.stringContaining('NESTBOX_MAX_SESSIONS') as unknown,
      });
      await first.destroy();
      await (await host.create({ terminal: false })).destroy();
    } finally {
      await host.dispose();
      await removeParentCgroup(host.layout, 'nestbox-it-errors');
    }
  });
});
