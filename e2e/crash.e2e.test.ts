/**
 * Faults clean up after themselves: a server killed with SIGKILL leaves sandboxes behind, and
 * the next start reaps every one of them; SIGTERM ends every session within a bound.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION, SUBPROTOCOL, encodeMessage } from '../lib/protocol/index.js';
import { startLabServer, type RunningLab } from './lab-server.js';

const LAB_ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-e2e-crash',
  NESTBOX_CGROUP_PARENT: 'nestbox-e2e-crash',
  NESTBOX_ID_BASE: '1550000000',
};
const running: RunningLab[] = [];

afterAll(async () => {
  await Promise.all(running.map((lab) => lab.stop()));
});

async function start(): Promise<RunningLab> {
  const lab = await startLabServer(LAB_ENV);
  running.push(lab);
  return lab;
}

function containers(): string[] {
  return execFileSync('crun', ['--root', `${LAB_ENV.NESTBOX_RUN_DIR}/crun`, 'list', '--quiet'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

/** Host processes whose uid falls in the ranges this lab hands out. */
function sandboxProcesses(): number[] {
  const base = Number(LAB_ENV.NESTBOX_ID_BASE);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
        return uid >= base && uid < base + 64 * 65536;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Processes (the console helper, crun) whose command line names `text`: those this lab started. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Creates a session and, through its terminal, leaves detached processes running in it. */
async function sessionWithDetachedProcesses(lab: RunningLab): Promise<void> {
  const response = await fetch(`${lab.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: lab.url },
    body: '{"scenario":"hello-sandbox"}',
  });
  const { sessionId, token } = (await response.json()) as { sessionId: string; token: string };
  const ws = new WebSocket(
    `${lab.url.replace('http', 'ws')}/api/terminal?session=${sessionId}&token=${token}`,
    SUBPROTOCOL,
    { origin: lab.url },
  );
  let output = '';
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) output += data.toString();
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(
    encodeMessage({
      type: 'hello',
      version: PROTOCOL_VERSION,
      terminal: 1,
      offset: 0,
      cols: 80,
      rows: 24,
    }),
  );
  ws.send(
    Buffer.from('nohup sleep 1000 >/dev/null 2>&1 & setsid sleep 1000 & echo detached-$((1+1))\r'),
  );
  await expect.poll(() => output, { timeout: 10_000 }).toMatch(/detached-2/);
  ws.close();
}

describe('after a crash', () => {
  it('reaps every sandbox a killed server left, serves new sessions, and ends 3 on SIGTERM within 10 s', async () => {
    const first = await start();
    await sessionWithDetachedProcesses(first);
    await sessionWithDetachedProcesses(first);
    expect(containers()).toHaveLength(2);

    // A hard crash, as when a service manager kills the server's whole cgroup: the server and
    // every runtime process it started die at once, and nobody deletes the containers.
    const runtimeProcesses = processesMentioning(`${LAB_ENV.NESTBOX_RUN_DIR}/bundles`);
    expect(runtimeProcesses.length).toBeGreaterThan(0);
    first.process.kill('SIGKILL');
    for (const pid of runtimeProcesses) process.kill(pid, 'SIGKILL');
    await first.stop();
    await expect.poll(() => sandboxProcesses(), { timeout: 10_000 }).toEqual([]);
    expect(containers()).toHaveLength(2);
    expect(readdirSync(`${LAB_ENV.NESTBOX_RUN_DIR}/bundles`)).toHaveLength(2);

    const second = await start();
    expect(second.output()).toMatch(/reaped \d+ sandbox/);
    expect(containers()).toEqual([]);
    expect(readdirSync(`${LAB_ENV.NESTBOX_RUN_DIR}/bundles`)).toEqual([]);
    expect(
      readdirSync(`/sys/fs/cgroup/pids/${LAB_ENV.NESTBOX_CGROUP_PARENT}`).filter((name) =>
        name.startsWith('nestbox-'),
      ),
    ).toEqual([]);

    await sessionWithDetachedProcesses(second);
    await sessionWithDetachedProcesses(second);
    await sessionWithDetachedProcesses(second);
    expect(containers()).toHaveLength(3);
    expect(sandboxProcesses().length).toBeGreaterThanOrEqual(9);

    // SIGTERM: the server exits within 10 s, having ended every session, detached processes
    // included, and left no bundle or sandbox cgroup.
    const stopping = Date.now();
    expect(await second.stop()).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(second.output()).toMatch(/SIGTERM, ending every session[\s\S]*stopped/);
    expect(containers()).toEqual([]);
    expect(sandboxProcesses()).toEqual([]);
    expect(readdirSync(`${LAB_ENV.NESTBOX_RUN_DIR}/bundles`)).toEqual([]);
    expect(
      readdirSync(`/sys/fs/cgroup/pids/${LAB_ENV.NESTBOX_CGROUP_PARENT}`).filter((name) =>
        name.startsWith('nestbox-'),
      ),
    ).toEqual([]);
  });
});
