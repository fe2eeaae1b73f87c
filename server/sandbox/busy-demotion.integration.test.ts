/**
 * Busy sandboxes yield to quiet ones (busy-demotion.ts): a sandbox that keeps a CPU busy is
 * marked cpu.idle, a quiet one is not, and the mark comes off, with the configured weight
 * restored, once the busy one calms down. What it does for a quiet shell's latency is measured
 * in the soak (bench/README.md), not here.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSY_CORES, DEMOTION_INTERVAL_MS } from './busy-demotion.js';
import { cgroupFile, type Sandbox } from './index.js';
import { openTestHost, startSandbox, waitUntilRunning, type TestHost } from './test-helpers.js';

// The loop spins until /tmp/calm exists; `[` is a dash builtin, so it never forks.
const HOG = 'while [ ! -e /tmp/calm ]; do :; done; exec sleep 120';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let test: TestHost;
let off: TestHost;

beforeAll(async () => {
  // A weight other than the default shows that lifting the mark restores it: the kernel would
  // reset it to the default (cpu.shares 1024).
  test = await openTestHost('demotion', 0, {
    NESTBOX_ID_BASE: '1990000000',
    NESTBOX_CPU_WEIGHT: '200',
  });
  off = await openTestHost('demotion-off', 0, {
    NESTBOX_ID_BASE: '1995000000',
    NESTBOX_DEMOTE_BUSY: '0',
  });
});

afterAll(async () => {
  await Promise.all([test.close(), off.close()]);
});

const read = (host: TestHost, sandbox: Sandbox, file: string): Promise<string> =>
  readFile(cgroupFile(host.host.layout, sandbox.cgroupPath, file), 'utf8').then((text) =>
    text.trim(),
  );

describe('busy sandboxes', () => {
  it(`are marked cpu.idle at ${BUSY_CORES} CPU or more, quiet ones are not, and the mark comes off with the weight restored`, async () => {
    const weightFile = test.host.layout === 'v2' ? 'cpu.weight' : 'cpu.shares';
    const weight = test.host.layout === 'v2' ? '200' : '2048';
    // The hog spins only once told to: crun writes the weight as it starts the sandbox, and a
    // hog spinning from the start can be marked (the kernel then shows an idle group's minimum
    // weight: cpu.shares 3 on v1, cpu.weight 0 or 1 on v2) one interval after create, about 0.5 s, while starting both sandboxes takes
    // about 0.3 s here: so little room that the weight read below could see 3.
    const hog = await startSandbox(test.host, `until [ -e /tmp/go ]; do sleep 0.05; done; ${HOG}`);
    const quiet = await startSandbox(test.host, 'exec sleep 120');
    try {
      await Promise.all([waitUntilRunning(hog.sandbox), waitUntilRunning(quiet.sandbox)]);
      expect(await read(test, hog.sandbox, weightFile)).toBe(weight);
      await hog.sandbox.exec(['touch', '/tmp/go']);
      await expect.poll(() => read(test, hog.sandbox, 'cpu.idle')).toBe('1');
      expect(await read(test, quiet.sandbox, 'cpu.idle')).toBe('0');

      await hog.sandbox.exec(['touch', '/tmp/calm']);
      // Both at once: the weight is written just after the mark comes off, and reads as the
      // kernel's default in between.
      await expect
        .poll(() =>
          Promise.all([read(test, hog.sandbox, 'cpu.idle'), read(test, hog.sandbox, weightFile)]),
        )
        .toEqual(['0', weight]);
      expect(await read(test, quiet.sandbox, 'cpu.idle')).toBe('0');
    } finally {
      await Promise.all([hog.sandbox.destroy(), quiet.sandbox.destroy()]);
    }
  });

  it('are left alone with NESTBOX_DEMOTE_BUSY=0', async () => {
    const hog = await startSandbox(off.host, HOG);
    try {
      await waitUntilRunning(hog.sandbox);
      // Long enough for the switched-on host to have marked it twice over (the test above).
      await sleep(6 * DEMOTION_INTERVAL_MS);
      const usage = await hog.sandbox.stats();
      expect(usage.cpuUsageNs).toBeGreaterThan(1e9 * BUSY_CORES); // it was busy all along
      expect(await read(off, hog.sandbox, 'cpu.idle')).toBe('0');
    } finally {
      await hog.sandbox.destroy();
    }
  });
});
