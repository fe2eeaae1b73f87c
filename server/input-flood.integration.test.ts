/**
 * Web battery W8, input side: a learner whose shell reads nothing (`sleep` in the foreground)
 * sends keystroke frames without end. The kernel's pty buffer fills at a few KiB; the server
 * must not queue the rest in memory (it stops reading the WebSocket instead, so TCP slows the
 * sender down), the flooded shell must answer again after Ctrl-C, and another learner must
 * still be served normally. The server runs in this process, so its RSS is ours to sample.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { liveBytes } from '../bench/terminal/memory.js';
import { NestboxClient } from '../bench/terminal/transports.js';
import { SUBPROTOCOL, encodeMessage } from '../lib/protocol/index.js';
import { labForThisFile } from './test-lab.js';
import { helloMessage } from './terminal/test-client.js';

const ORIGIN = 'http://flood.nestbox.test';
const { lab } = labForThisFile({
  NESTBOX_RUN_DIR: '/run/nestbox-it-flood',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-flood',
  NESTBOX_ID_BASE: '1980000000',
  NESTBOX_ALLOWED_ORIGINS: ORIGIN,
});
/**
 * Ending a session mid-flood closes its pty while input is still queued for it: nothing may be
 * written after that (node-pty's own writer reported it as "Unhandled pty write error EBADF").
 */
const consoleErrors = vi.spyOn(console, 'error');
afterAll(() => {
  expect(consoleErrors.mock.calls).toEqual([]);
});
const FRAME = Buffer.alloc(32 * 1024, 'a').toString();
const FLOOD_BYTES = 64 * 1024 * 1024;
const TAIL_CHARS = 64 * 1024;
/** Lines for cat: each is echoed twice (by the tty and by cat), so output outgrows the acks. */
const LINES = `${'b'.repeat(1023)}\r`.repeat(32);
const LINES_BYTES = 8 * 1024 * 1024;
/**
 * Live memory (liveBytes; node-pty's unbounded queue made it +67 MB) is sampled every this many
 * bytes of flood. The server runs in this process, so its memory is ours to sample.
 */
const SAMPLE_EVERY_BYTES = 8 * 1024 * 1024;

/** A raw terminal client that acks its output as a browser does and keeps only its tail. */
async function rawTerminal(): Promise<{
  ws: WebSocket;
  id: string;
  token: string;
  tail: () => string;
}> {
  const response = await fetch(`${lab().url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: '{"scenario":"hello-sandbox"}',
  });
  const { sessionId, token } = (await response.json()) as { sessionId: string; token: string };
  const ws = new WebSocket(
    `${lab().url.replace('http', 'ws')}/api/terminal?session=${sessionId}&token=${token}`,
    SUBPROTOCOL,
    { origin: ORIGIN, perMessageDeflate: false },
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let tail = '';
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) return;
    // The echo of the flood is as big as the flood: keeping it all would be our RSS, not the server's.
    tail = (tail + data.toString('latin1')).slice(-TAIL_CHARS);
    ws.send(encodeMessage({ type: 'ack', bytes: data.length }));
  });
  ws.send(encodeMessage(helloMessage()));
  return { ws, id: sessionId, token, tail: () => tail };
}

/**
 * Sends `frame` in rounds of 8 until `bytes` are sent, the socket closes or `withinMs` pass, and
 * returns the bytes sent. Each round waits until its frames left this process, so what piles up
 * is on the server's side; a server that stops reading slows the flood down instead.
 */
async function flood(
  ws: WebSocket,
  frame: string,
  bytes: number,
  withinMs: number,
  afterRound: (sent: number) => Promise<void> | void = () => undefined,
): Promise<number> {
  const deadline = performance.now() + withinMs;
  let sent = 0;
  while (sent < bytes && ws.readyState === WebSocket.OPEN) {
    const round = Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<void>((resolve) => {
            ws.send(Buffer.from(frame), { binary: true }, () => {
              resolve();
            });
          }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), 'late');
    });
    const outcome = await Promise.race([round, late]);
    clearTimeout(timer);
    if (outcome === 'late') break;
    sent += 8 * frame.length;
    await afterRound(sent);
  }
  return sent;
}

/**
 * Ctrl-C, then the shell's prompt: a command typed before it could still reach the program
 * that is being interrupted, as it would for a person typing that fast.
 */
async function interrupt(terminal: { ws: WebSocket; tail: () => string }): Promise<void> {
  terminal.ws.send(Buffer.from('\x03'));
  await expect.poll(terminal.tail, { timeout: 30_000 }).toMatch(/\^C[^]*# $/);
}

async function endSession(terminal: { ws: WebSocket; id: string; token: string }): Promise<void> {
  terminal.ws.close();
  await fetch(`${lab().url}/api/sessions/${terminal.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${terminal.token}` },
  });
}

describe('an input flood', () => {
  it('into a shell that reads nothing is held back instead of queued in server memory; that shell and another learner still answer', async () => {
    const flooder = await rawTerminal();
    const other = await NestboxClient.open(lab().url, ORIGIN);
    try {
      await other.firstOutput(10_000);
      flooder.ws.send(Buffer.from('echo sleeping-$((6*7)); sleep 1000\r'));
      await expect.poll(flooder.tail, { timeout: 10_000 }).toContain('sleeping-42');

      const restingBytes = await liveBytes();
      let peakBytes = restingBytes;
      const restingRss = process.memoryUsage.rss();
      let peakRss = restingRss;
      const started = performance.now();
      const sent = await flood(flooder.ws, FRAME, FLOOD_BYTES, 20_000, async (sent) => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
        if (sent % SAMPLE_EVERY_BYTES === 0) peakBytes = Math.max(peakBytes, await liveBytes());
      });
      const floodSeconds = (performance.now() - started) / 1000;
      const echoed = other.waitFor('still-42', 10_000);
      other.write('echo still-$((6*7))\r');
      await echoed;
      console.log(
        `input flood: ${(sent / 1e6).toFixed(1)} MB sent in ${floodSeconds.toFixed(1)} s, ` +
          `live memory +${((peakBytes - restingBytes) / 1e6).toFixed(1)} MB at peak, ` +
          `RSS +${((peakRss - restingRss) / 1e6).toFixed(1)} MB`,
      );
      expect(flooder.ws.readyState).toBe(WebSocket.OPEN);
      expect(sent).toBeGreaterThan(4 * SAMPLE_EVERY_BYTES);
      expect(peakBytes - restingBytes).toBeLessThan(16 * 1024 * 1024);
      // Loose: both ends of a flood in one process churn the allocator by some tens of MB.
      expect(peakRss - restingRss).toBeLessThan(80 * 1024 * 1024);

      // What the sockets still hold reaches the shell first; then Ctrl-C ends the sleep.
      await interrupt(flooder);
      flooder.ws.send(Buffer.from('echo back-$((6*7))\r'));
      await expect.poll(flooder.tail, { timeout: 10_000 }).toContain('back-42');
    } finally {
      await endSession(flooder);
      await other.close();
    }
  }, 120_000);

  it('into a shell that writes before it reads again (cat) does not stall on its own acks', async () => {
    // While input is held, the server does not read this WebSocket, so the client's acks wait
    // behind the flood; if output then waited for those acks, cat would block on its output
    // and never read the input that would release them.
    const typist = await rawTerminal();
    try {
      typist.ws.send(Buffer.from('echo catting-$((6*7)); cat\r'));
      await expect.poll(typist.tail, { timeout: 10_000 }).toContain('catting-42');
      const sent = await flood(typist.ws, LINES, LINES_BYTES, 30_000);
      console.log(`input flood into cat: ${(sent / 1e6).toFixed(1)} MB sent`);
      expect(sent).toBe(LINES_BYTES);
      await interrupt(typist);
      typist.ws.send(Buffer.from('echo done-$((6*7))\r'));
      await expect.poll(typist.tail, { timeout: 10_000 }).toContain('done-42');
    } finally {
      await endSession(typist);
    }
  }, 120_000);
});
