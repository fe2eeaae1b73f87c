/**
 * The /proc policy (design.md §4 "/proc masks"): by default nothing is masked, so `unshare
 * --mount-proc` works in a nested user namespace too; NESTBOX_MASK_PROC=1 restores Docker's
 * masks for hardened hosts, and then only the plain pid-namespace variant works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestHost, runScript, type TestHost } from './test-helpers.js';

const NESTED_USERNS = 'unshare -Urfp --mount-proc ps -e -o pid=,comm=';
const NESTED_PIDNS = 'unshare -fp --mount-proc ps -e -o pid=,comm=';
/** Mounts on top of /proc paths (masks and read-only binds), with their rw/ro flag. */
const MASK_MOUNTS = `awk '$5 ~ /^\\/proc\\// { print $5, substr($6, 1, 2) }' /proc/self/mountinfo`;

/** Runs `command` in a fresh sandbox; returns its exit code and output, squeezed. */
async function run(test: TestHost, command: string): Promise<{ code: number; output: string }> {
  const { stdout } = await runScript(test.host, `${command} 2>&1; echo "exit=$?"`);
  const lines = stdout.trim().split('\n');
  const code = Number(lines.pop()?.replace('exit=', ''));
  return { code, output: lines.map((line) => line.trim().replace(/\s+/g, ' ')).join('\n') };
}

describe('by default (no masks)', () => {
  let test: TestHost;
  beforeAll(async () => {
    test = await openTestHost('proc', 5);
  });
  afterAll(async () => {
    await test.close();
  });

  it('runs unshare -Urfp --mount-proc ps -e', async () => {
    expect(await run(test, NESTED_USERNS)).toEqual({ code: 0, output: '1 ps' });
  });

  it('runs unshare -fp --mount-proc ps -e', async () => {
    expect(await run(test, NESTED_PIDNS)).toEqual({ code: 0, output: '1 ps' });
  });

  it('masks nothing, and host-wide knobs stay refused by the user namespace', async () => {
    const { stdout } = await runScript(
      test.host,
      `${MASK_MOUNTS} | wc -l; ` +
        'echo x > /proc/sys/kernel/core_pattern; echo core=$?; ' +
        'echo 1 > /proc/sys/vm/drop_caches; echo drop_caches=$?',
    );
    const [masks = '', ...rest] = stdout.trim().split('\n');
    expect(masks).toBe('0');
    expect(rest).toEqual([
      expect.stringMatching(/^core=[1-9]/),
      expect.stringMatching(/^drop_caches=[1-9]/),
    ]);
  });
});

describe('with NESTBOX_MASK_PROC=1', () => {
  let test: TestHost;
  beforeAll(async () => {
    test = await openTestHost('proc-masked', 6, { NESTBOX_MASK_PROC: '1' });
  });
  afterAll(async () => {
    await test.close();
  });

  it("masks Docker's paths and makes /proc/sys read-only", async () => {
    const { stdout } = await runScript(test.host, MASK_MOUNTS);
    const mounts = stdout.trim().split('\n');
    expect(mounts).toContainEqual(expect.stringMatching(/^\/proc\/keys /));
    expect(mounts).toContainEqual(expect.stringMatching(/^\/proc\/timer_list /));
    expect(mounts).toContain('/proc/sys ro');
  });

  it('refuses unshare -Urfp --mount-proc (the masks are locked mounts in a nested userns)', async () => {
    const { code } = await run(test, NESTED_USERNS);
    expect(code).not.toBe(0);
  });

  it('still runs unshare -fp --mount-proc ps -e', async () => {
    expect(await run(test, NESTED_PIDNS)).toEqual({ code: 0, output: '1 ps' });
  });
});
