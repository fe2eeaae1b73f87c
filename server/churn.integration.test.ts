/**
 * Churn (issue 8): sessions created and ended through the real HTTP and WebSocket path, as a
 * browser tab does, many at a time. Some are ended mid-command, some leave detached processes
 * behind (setsid, nohup, a nested pid namespace), some end by their shell exiting. Afterwards
 * nothing may be left: no process, cgroup, mount, bundle or container, and every uid range can
 * be handed out again.
 *
 * NESTBOX_CHURN_SESSIONS sets the count. The default is the 1000: on the development
 * machine (2 cores) they take about 27 s, 4 at a time (create median 55 ms, end median 42 ms).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { median } from '../bench/stats.js';
import { NestboxClient } from '../bench/terminal/transports.js';
import { cgroupHierarchies } from './sandbox/cgroups.js';
import { hostProcessesWithUidIn } from './sandbox/test-helpers.js';
import { labForThisFile } from './test-lab.js';

const ORIGIN = 'http://churn.nestbox.test';
const MAX_SESSIONS = 12;
const { config, lab } = labForThisFile({
  NESTBOX_RUN_DIR: '/run/nestbox-it-churn',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-churn',
  NESTBOX_ID_BASE: '1920000000',
  NESTBOX_ALLOWED_ORIGINS: ORIGIN,
  NESTBOX_MAX_SESSIONS: String(MAX_SESSIONS),
  NESTBOX_MAX_SESSIONS_PER_CLIENT: String(MAX_SESSIONS),
});
const SESSIONS = Number(process.env.NESTBOX_CHURN_SESSIONS ?? 1000);
if (!Number.isInteger(SESSIONS) || SESSIONS < 1) {
  throw new Error(`NESTBOX_CHURN_SESSIONS must be a positive integer, not "${String(SESSIONS)}"`);
}
/** Sessions in flight at once, as several learners arriving and leaving together. */
const CONCURRENCY = 4;
const ALL_RANGES = { hostId: config.idBase, size: MAX_SESSIONS * 65536 };
const COMMAND_TIMEOUT_MS = 15_000;

/** How each session is used before it ends; session n does MODES[n % MODES.length]. */
const MODES = {
  /** Types a command, waits for its output, ends with DELETE. */
  plain: { keys: 'echo done-$((6*7))\r', marker: 'done-42', exit: false },
  /** Ended by DELETE while `sleep 1000` runs in the foreground. */
  'mid-command': {
    keys: 'echo sleeping-$((6*7)); sleep 1000\r',
    marker: 'sleeping-42',
    exit: false,
  },
  /** Leaves three kinds of detached process behind, then DELETE. */
  detached: {
    keys:
      'setsid sleep 1000 & nohup sleep 1000 >/dev/null 2>&1 & ' +
      'unshare -fp --mount-proc sleep 1000 & echo detached-$((6*7))\r',
    marker: 'detached-42',
    exit: false,
  },
  /** Leaves a detached process, then its shell exits: the session ends on its own. */
  exit: {
    keys: 'setsid sleep 1000 & echo exiting-$((6*7)); exit\r',
    marker: 'exiting-42',
    exit: true,
  },
};
const MODE_NAMES = Object.keys(MODES) as (keyof typeof MODES)[];

/** One learner's session from the first POST to its end; returns [create ms, end ms]. */
async function session(n: number): Promise<[number, number]> {
  const mode = MODES[MODE_NAMES[n % MODE_NAMES.length] ?? 'plain'];
  const client = await NestboxClient.open(lab().url, ORIGIN);
  try {
    await client.firstOutput(COMMAND_TIMEOUT_MS);
    const marker = client.waitFor(mode.marker, COMMAND_TIMEOUT_MS);
    client.write(mode.keys);
    await marker;
    if (n === MODE_NAMES.indexOf('detached')) {
      // The checks below can see what they count: this session's shell and detached sleeps.
      expect(hostProcessesWithUidIn(ALL_RANGES).length).toBeGreaterThanOrEqual(4);
      expect((await leftoverCgroups()).length).toBeGreaterThan(0);
    }
  } catch (error) {
    await client.close();
    throw error;
  }
  const ending = performance.now();
  // A session whose shell exited is gone, and the server closes its socket; a DELETE then
  // would count as a failed guess (and 30 of those a minute lock the client out).
  if (mode.exit) {
    await expect.poll(() => client.closedReason, { timeout: COMMAND_TIMEOUT_MS }).toBeDefined();
  } else {
    await client.close();
  }
  return [client.createMs, performance.now() - ending];
}

/** Directories under the test's parent cgroup, in every hierarchy. */
async function leftoverCgroups(): Promise<string[]> {
  const left: string[] = [];
  for (const hierarchy of await cgroupHierarchies(lab().layout)) {
    const parent = `${hierarchy}/${config.cgroupParent}`;
    // One readdir with types: a sandbox ending meanwhile must not fail a separate stat.
    let entries: Dirent[];
    try {
      entries = readdirSync(parent, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) left.push(`${parent}/${entry.name}`);
    }
  }
  return left;
}

describe(`${SESSIONS} sessions created and ended through HTTP and WebSocket`, () => {
  it('leave no process, cgroup, mount, bundle, container or uid range behind', async () => {
    const created: number[] = [];
    const ended: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SESSIONS) {
          const [create, end] = await session(next++);
          created.push(create);
          ended.push(end);
        }
      }),
    );
    console.log(
      `churn: ${SESSIONS} sessions in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
        `${CONCURRENCY} at a time; create median ${median(created).toFixed(0)} ms, ` +
        `end median ${median(ended).toFixed(0)} ms`,
    );
    expect(created).toHaveLength(SESSIONS);

    // The last sessions whose shell exited may still be tearing down: bounded wait for that.
    await expect
      .poll(() => readdirSync(`${config.runDir}/bundles`), { timeout: 10_000 })
      .toEqual([]);
    expect(hostProcessesWithUidIn(ALL_RANGES)).toEqual([]);
    expect(await leftoverCgroups()).toEqual([]);
    expect(
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .filter((line) => line.includes(config.runDir)),
    ).toEqual([]);
    expect(
      execFileSync('crun', ['--root', `${config.runDir}/crun`, 'list', '--quiet'], {
        encoding: 'utf8',
      }).trim(),
    ).toBe('');

    // Every uid range (and session slot) is free again: the lab's full capacity opens at once.
    const clients = await Promise.all(
      Array.from({ length: MAX_SESSIONS }, () => NestboxClient.open(lab().url, ORIGIN)),
    );
    await Promise.all(clients.map((client) => client.close()));
    expect(hostProcessesWithUidIn(ALL_RANGES)).toEqual([]);
  }, 600_000);
});
