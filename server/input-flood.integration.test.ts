/**
 * Web battery W8, input side: a learner whose shell reads nothing (`sleep` in the foreground)
 * sends keystroke frames without end. The kernel's pty buffer fills at a few KiB; the server
 * must not queue the rest in memory, and another learner must still be served normally.
 *
 * KNOWN DEFECT, so this is `it.fails`: node-pty 1.1 queues every write in an unbounded array
 * (CustomWriteStream in its unixTerminal.js) and retries a full pty with setImmediate, so 64 MiB
 * of keystrokes cost the server about 110 MB of RSS within a second. Once input to the pty is
 * bounded (sessions/terminal.ts), this test fails: turn it back into `it`.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { NestboxClient } from '../bench/terminal/transports.js';
import { PROTOCOL_VERSION, SUBPROTOCOL, encodeMessage } from '../lib/protocol/index.js';
import { loadConfig } from './config.js';
import { silentLogger } from './log.js';
import { startLab, type Lab } from './lab.js';
import { removeParentCgroup } from './sandbox/test-helpers.js';

const ORIGIN = 'http://flood.nestbox.test';
const config = loadConfig({
  ...process.env,
  HOST: '127.0.0.1',
  PORT: '0',
  NESTBOX_RUN_DIR: '/run/nestbox-it-flood',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-flood',
  NESTBOX_ID_BASE: '1980000000',
  NESTBOX_ALLOWED_ORIGINS: ORIGIN,
});
const FRAME = Buffer.alloc(32 * 1024, 'a').toString();
const FLOOD_BYTES = 64 * 1024 * 1024;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab(config, {
    pages: 'none',
    projectDir: fileURLToPath(new URL('..', import.meta.url)),
    logger: silentLogger(),
  });
});

afterAll(async () => {
  await lab.close();
  await removeParentCgroup(lab.layout, config.cgroupParent);
});

/** A raw terminal client: POST a session, open its WebSocket, say hello. */
async function rawTerminal(): Promise<{ ws: WebSocket; id: string; token: string }> {
  const response = await fetch(`${lab.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: '{"scenario":"hello-sandbox"}',
  });
  const { sessionId, token } = (await response.json()) as { sessionId: string; token: string };
  const ws = new WebSocket(
    `${lab.url.replace('http', 'ws')}/api/terminal?session=${sessionId}&token=${token}`,
    SUBPROTOCOL,
    { origin: ORIGIN, perMessageDeflate: false },
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
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
  return { ws, id: sessionId, token };
}

describe('an input flood into a shell that reads nothing', () => {
  it.fails(
    'is not queued in server memory, and another learner is served normally',
    async () => {
      const flooder = await rawTerminal();
      let output = '';
      flooder.ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) output += data.toString('latin1');
      });
      const other = await NestboxClient.open(lab.url, ORIGIN);
      try {
        await other.firstOutput(10_000);
        flooder.ws.send(Buffer.from('echo sleeping-$((6*7)); sleep 1000\r'));
        await expect.poll(() => output, { timeout: 10_000 }).toContain('sleeping-42');

        const before = process.memoryUsage.rss();
        let peak = before;
        let sent = 0;
        // Each frame waits until the previous ones left this process, so what piles up is on
        // the server's side; a server that stops reading slows the flood down instead.
        const deadline = performance.now() + 20_000;
        while (
          sent < FLOOD_BYTES &&
          performance.now() < deadline &&
          flooder.ws.readyState === WebSocket.OPEN
        ) {
          await Promise.all(
            Array.from(
              { length: 8 },
              () =>
                new Promise<void>((resolve) => {
                  flooder.ws.send(Buffer.from(FRAME), { binary: true }, () => {
                    resolve();
                  });
                }),
            ),
          );
          sent += 8 * FRAME.length;
          peak = Math.max(peak, process.memoryUsage.rss());
        }
        const echoed = other.waitFor('still-42', 10_000);
        other.write('echo still-$((6*7))\r');
        await echoed;
        peak = Math.max(peak, process.memoryUsage.rss());
        console.log(
          `input flood: ${(sent / 1e6).toFixed(1)} MB sent, RSS +${((peak - before) / 1e6).toFixed(1)} MB at peak`,
        );
        expect(peak - before).toBeLessThan(32 * 1024 * 1024);
      } finally {
        flooder.ws.close();
        await fetch(`${lab.url}/api/sessions/${flooder.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${flooder.token}` },
        });
        await other.close();
      }
    },
    120_000,
  );
});
