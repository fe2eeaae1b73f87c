/**
 * The terminal gateway over real parts: a plain HTTP server (no Next.js), real WebSockets (ws),
 * real node-pty and real crun sandboxes. It pins what the gateway promises at its edge: who may
 * upgrade, how frames are framed, what a bad client gets, and that every way a connection ends
 * leaves the session in the state the protocol says. Runs as root.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  SUBPROTOCOL,
  TERMINAL_LIMITS,
  encodeMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../lib/protocol/index.js';
import { loadConfig } from '../config.js';
import { openSandboxHost, type SandboxHost } from '../sandbox/index.js';
import { SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import { collectingLogger } from '../test-log.js';
import { createTerminalGateway, type TerminalGateway } from './gateway.js';
import { AUTH_FAILURE_DEFAULTS, TRANSPORT_DEFAULTS } from './defaults.js';
import { FailureLimiter } from '../rate-limit.js';
import { TestClient, helloMessage, waitFor, type TestClientOptions } from './test-client.js';

const ORIGIN = 'http://allowed.test';
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Short enough that "closing ends the session" is observable within one test. */
const ORPHAN_TIMEOUT_MS = 1500;
const PROMPT = /root@nestbox:~# $/;

const config = loadConfig({
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-gateway',

  NESTBOX_CGROUP_PARENT: 'nestbox-it-gateway',
  NESTBOX_ID_BASE: '1300000000',
});
const bundlesDir = `${config.runDir}/bundles`;

let host: SandboxHost;
let registry: SessionRegistry;
let gateway: TerminalGateway;
let server: Server;
let port = 0;
const { logger, lines: logged } = collectingLogger();

beforeAll(async () => {
  host = await openSandboxHost({ ...config, maxSandboxes: 8 });
  registry = new SessionRegistry(host, {
    ...config.sessions,
    maxSessions: 4,
    maxSessionsPerClient: 4,
    outputBufferBytes: 1 << 20,
    orphanTimeoutMs: ORPHAN_TIMEOUT_MS,
    sweepIntervalMs: 100,
    startTimeoutMs: 5000,
  });
  gateway = createTerminalGateway(registry, {
    ...TRANSPORT_DEFAULTS,
    authFailures: new FailureLimiter(AUTH_FAILURE_DEFAULTS),
    allowedOrigins: [ORIGIN],
    helloTimeoutMs: 2000,
    logger,
  });
  server = createServer((_request, response) => {
    response.writeHead(404).end();
  });
  server.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname === '/api/terminal') {
      gateway.handleUpgrade(request, socket, head);
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await gateway.dispose();
  await registry.dispose();
  await host.dispose();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Container ids in this run directory's crun state, asked of crun itself. */
function crunList(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      config.crunPath,
      ['--root', `${config.runDir}/crun`, 'list', '--quiet'],
      { timeout: 5000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`crun list failed: ${stderr}`, { cause: error }));
        else resolve(stdout.split('\n').filter((line) => line.trim() !== ''));
      },
    );
  });
}

type ConnectOptions = Omit<TestClientOptions, 'port' | 'origin'> & { origin?: string | null };

/** A scripted browser on this test's server, from the allowed origin unless told otherwise. */
class Client extends TestClient {
  constructor(options: ConnectOptions) {
    super({ ...options, port, origin: options.origin === undefined ? ORIGIN : options.origin });
  }
}

/** Connects, and waits for `ready` and the prompt. */
async function attached(session: Session): Promise<Client> {
  const client = new Client({ session });
  await client.waitForMessage('ready');
  await client.waitForOutput(PROMPT);
  return client;
}

/** One masked client text frame (RFC 6455 §5.2) of a short control message. */
function clientFrame(message: ClientMessage): Buffer {
  const payload = Buffer.from(encodeMessage(message));
  if (payload.length >= 126) throw new Error('clientFrame writes only short frames');
  const mask = randomBytes(4);
  const masked = payload.map((byte, index) => byte ^ (mask[index % 4] ?? 0));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/**
 * A WebSocket opened by hand on a raw TCP socket, as the browser would (Origin, subprotocol,
 * token), that says hello, reads up to `ready`, and then stops reading altogether.
 */
async function rawAttachedThenDeaf(session: Session): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // the server resets it; the test watches 'close'
  let received = '';
  const read = (chunk: Buffer): void => {
    received += chunk.toString('latin1');
  };
  socket.on('data', read);
  const query = new URLSearchParams({ session: session.id, token: session.token });
  socket.write(
    `GET /api/terminal?${query.toString()} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      `Sec-WebSocket-Protocol: ${SUBPROTOCOL}\r\nOrigin: ${ORIGIN}\r\n\r\n`,
  );
  await waitFor(() => (received.includes('\r\n\r\n') ? true : undefined), 'the upgrade');
  expect(received).toMatch(/^HTTP\/1\.1 101 /);
  socket.write(clientFrame(helloMessage()));
  // Server frames are not masked: the JSON is there as it is.
  await waitFor(() => (received.includes('"type":"ready"') ? true : undefined), 'ready');
  socket.off('data', read);
  socket.pause();
  return socket;
}

async function newSession(): Promise<Session> {
  return registry.create('hello-sandbox', 'gateway-test');
}

describe('a connected terminal', () => {
  let session: Session;
  let client: Client;

  beforeAll(async () => {
    session = await newSession();
    client = await attached(session);
  });

  afterAll(async () => {
    await session.end('ended');
  });

  it('sends the prompt as binary frames and control messages as JSON text frames', () => {
    const first = client.events[0];
    expect(first?.kind).toBe('text');
    expect(client.messages[0]).toMatchObject({ type: 'ready', terminal: 1, offset: 0, lost: 0 });
    expect(client.events.some((event) => event.kind === 'binary')).toBe(true);
    // Every text frame is a valid control message; no pty byte ever travels as text.
    for (const frame of client.textFrames) expect(frame.message).toBeDefined();
    expect(client.textFrames.some((frame) => frame.text.includes('root@nestbox'))).toBe(false);
  });

  it('runs what is typed in binary frames', async () => {
    client.type('echo $((6*7))\r');
    await client.waitForNewOutput(/\b42\r\n/);
  });

  it('applies a resize control message to the pty', async () => {
    client.send({ type: 'resize', cols: 123, rows: 45 });
    client.type('stty size\r');
    await client.waitForNewOutput(/\b45 123\r\n/);
  });

  it("sends the sandbox's resource usage about once a second as stats messages", async () => {
    const stats = () =>
      client.messages.filter(
        (message): message is Extract<ServerMessage, { type: 'stats' }> => message.type === 'stats',
      );
    const before = stats().length;
    client.type('for i in 1 2 3 4 5; do sleep 30 & done\r');
    const busy = await waitFor(
      // The init, the shell and the five sleeps.
      () => stats().find((sample, index) => index >= before && sample.pidsCurrent >= 7),
      'a stats sample counting the five sleeps',
    );
    expect(busy.pidsMax).toBe(config.limits.pids);
    expect(busy.memoryMaxBytes).toBe(config.limits.memoryBytes);
    expect(busy.cpuQuotaCores).toBe(config.limits.cpus);
    expect(busy.memoryBytes).toBeGreaterThan(0);
    expect(busy.cpuUsageNs).toBeGreaterThan(0);
    const count = stats().length;
    await waitFor(() => (stats().length >= count + 2 ? true : undefined), 'two more samples');
    const [first, second] = stats().slice(count);
    const gap = (second?.at ?? 0) - (first?.at ?? 0);
    expect(gap).toBeGreaterThan(700);
    expect(gap).toBeLessThan(1500);
    // `wait` reaps them all: a bash that is only sent SIGCHLD may leave the later ones as
    // zombies, still counted, until its next command (the init reaps only orphans). Then only
    // the init and the shell are left.
    client.type('kill $(jobs -p); wait\r');
    await waitFor(
      () => ((stats().at(-1)?.pidsCurrent ?? 99) <= 2 ? true : undefined),
      'the sleeps to be gone from the pids count',
    );
  });

  it('clamps an absurd resize and keeps the connection open', async () => {
    client.ws.send(JSON.stringify({ type: 'resize', cols: 1e9, rows: -1 }));
    client.type('stty size\r');
    const [, rows, cols] = await client.waitForNewOutput(/\b(\d+) (\d+)\r\n/);
    expect(Number(rows)).toBe(TERMINAL_LIMITS.minRows);
    expect(Number(cols)).toBe(TERMINAL_LIMITS.maxCols);
    client.type('echo still-$((40+2))\r');
    await client.waitForNewOutput(/still-42/);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(client.events.some((event) => event.kind === 'close')).toBe(false);
    expect(client.messages.some((message) => message.type === 'error')).toBe(false);
  });
});

describe('the upgrade', () => {
  let session: Session;
  let other: Session;

  beforeAll(async () => {
    [session, other] = await Promise.all([newSession(), newSession()]);
  });

  afterAll(async () => {
    await Promise.all([session.end('ended'), other.end('ended')]);
  });

  it('is refused with 403 for a foreign Origin', async () => {
    expect(await new Client({ session, origin: 'http://evil.test' }).refusedWith()).toBe(403);
    // Close is not good enough: the allowlist compares whole origins.
    expect(await new Client({ session, origin: 'http://allowed.test.evil' }).refusedWith()).toBe(
      403,
    );
    expect(await new Client({ session, origin: 'https://allowed.test' }).refusedWith()).toBe(403);
    expect(logged).toContainEqual(
      expect.objectContaining({ event: 'ws-reject', reason: 'origin', origin: 'http://evil.test' }),
    );
  });

  it('is refused with 403 without an Origin', async () => {
    expect(await new Client({ session, origin: null }).refusedWith()).toBe(403);
  });

  it('is refused with 403 for a wrong or missing token', async () => {
    const wrong = session.token.slice(0, -1) + (session.token.endsWith('A') ? 'B' : 'A');
    expect(await new Client({ session, token: wrong }).refusedWith()).toBe(403);
    expect(await new Client({ session, token: '' }).refusedWith()).toBe(403);
    expect(await new Client({ session, token: null }).refusedWith()).toBe(403);
  });

  it("is refused with 403 for another session's id with this session's token", async () => {
    expect(await new Client({ session, id: other.id }).refusedWith()).toBe(403);
    expect(await new Client({ session: other, token: session.token }).refusedWith()).toBe(403);
    expect(await new Client({ session, id: 'no-such-session' }).refusedWith()).toBe(403);
    expect(await new Client({ session, id: null, token: null }).refusedWith()).toBe(403);
  });

  it('is refused with 400 without the subprotocol', async () => {
    expect(await new Client({ session, protocol: null }).refusedWith()).toBe(400);
    expect(await new Client({ session, protocol: 'nestbox.v1' }).refusedWith()).toBe(400);
  });

  it('succeeds with the right Origin, subprotocol, id and token', async () => {
    // The refusals above did not harm the session, and each session has its own secret.
    for (const target of [session, other]) {
      const client = await attached(target);
      expect(client.ws.protocol).toBe(SUBPROTOCOL);
      client.type('echo ok-$((1+1))\r');
      await client.waitForNewOutput(/\bok-2\r\n/);
      await client.close();
    }
    expect(registry.size).toBe(2);
  });
});

describe('a misbehaving client', () => {
  let session: Session;

  beforeAll(async () => {
    session = await newSession();
  });

  afterAll(async () => {
    await session.end('ended');
  });

  it('sending invalid JSON gets a bad-frame error, then its connection alone is closed', async () => {
    const bad = await attached(session);
    bad.ws.send('{not json');
    const closed = await bad.waitForClose();
    expect(closed.code).toBe(CLOSE_CODES.protocolError);
    const error = bad.messages.find((message) => message.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'bad-frame' });
    // The error came before the close, so a client can show it.
    const errorAt = bad.events.findIndex(
      (event) => event.kind === 'text' && event.message?.type === 'error',
    );
    const closeAt = bad.events.findIndex((event) => event.kind === 'close');
    expect(errorAt).toBeGreaterThanOrEqual(0);
    expect(errorAt).toBeLessThan(closeAt);

    // Another session works normally, and so does this one on a new connection.
    const second = await newSession();
    try {
      const good = await attached(second);
      good.type('echo fine-$((5+5))\r');
      await good.waitForNewOutput(/\bfine-10\r\n/);
      const again = await attached(session);
      again.type('echo back-$((2*3))\r');
      await again.waitForNewOutput(/\bback-6\r\n/);
      await again.close();
    } finally {
      await second.end('ended');
    }
  });

  it('sending a frame bigger than maxPayloadBytes is closed with 1009', async () => {
    const huge = await attached(session);
    huge.ws.send(Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x61), { binary: true });
    expect((await huge.waitForClose()).code).toBe(1009);
    expect(huge.output).not.toMatch(/a{100}/); // not one byte of it reached the shell
  });

  it('flooding pings while never reading is cut off within a bound; the session stays', async () => {
    const from = logged.length;
    const socket = await rawAttachedThenDeaf(session);
    const gone = new Promise((resolve) => socket.once('close', resolve));
    // Each pong is about as long as its ping, so this many MB of pings is ample to fill the
    // kernel's buffers both ways and then the server's own bound (maxBufferedBytes) on top.
    const floodCap = 8 * TRANSPORT_DEFAULTS.maxBufferedBytes;
    const pings = Buffer.concat(
      Array.from({ length: 8192 }, (_, index) => clientFrame({ type: 'ping', id: 1e15 + index })),
    );
    let sent = 0;
    try {
      while (!socket.closed && sent < floodCap) {
        sent += pings.length;
        if (!socket.write(pings)) {
          await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), gone]);
        }
      }
      // The server ended it within the bound, well before the flood's cap.
      await waitFor(
        () => (socket.closed ? true : undefined),
        'the server to end the connection',
        5000,
      );
      expect(sent).toBeLessThan(floodCap);
    } finally {
      socket.destroy();
    }
    expect(logged.slice(from)).toContainEqual(
      expect.objectContaining({ event: 'ws-reject', reason: 'too-slow', sessionId: session.id }),
    );
    // Only that connection went: the session is there and works on a new one.
    expect(session.ended).toBeUndefined();
    const again = await attached(session);
    again.type('echo alive-$((3*3))\r');
    await again.waitForNewOutput(/\balive-9\r\n/);
    await again.close();
  });

  it('sending a frame of exactly maxPayloadBytes is not cut off by the size limit', async () => {
    // A text frame, so the shell sees nothing: it is judged by the protocol (too long for a
    // control message), not refused by the WebSocket layer.
    const client = await attached(session);
    client.ws.send(' '.repeat(MAX_PAYLOAD_BYTES));
    expect((await client.waitForClose()).code).toBe(CLOSE_CODES.protocolError);
    expect(client.messages.find((message) => message.type === 'error')).toMatchObject({
      code: 'bad-frame',
    });
  });

  it('holds at most maxConnectionsPerSession connections to one session; a closed one makes room', async () => {
    const own = await newSession();
    const from = logged.length;
    const max = TRANSPORT_DEFAULTS.maxConnectionsPerSession;
    // Connections that never say hello: each would sit for the hello timeout.
    const silent = Array.from({ length: max }, () => new Client({ session: own, hello: false }));
    await Promise.all(
      silent.map((client) =>
        waitFor(() => (client.ws.readyState === WebSocket.OPEN ? true : undefined), 'open'),
      ),
    );
    expect(await new Client({ session: own }).refusedWith()).toBe(429);
    expect(logged.slice(from)).toContainEqual(
      expect.objectContaining({ event: 'ws-reject', reason: 'too-many-connections' }),
    );
    // Another session is not affected, and closing one of these makes room again.
    (await attached(session)).ws.close();
    await silent[0]?.close();
    const room = await attached(own);
    room.type('echo room-$((2*4))\r');
    await room.waitForNewOutput(/\broom-8\r\n/);
    await Promise.all([room, ...silent].map((client) => client.close()));
    await own.end('ended');
  });
});

describe('the end of a session', () => {
  it('when the shell exits: an exit message, close 1000, and the sandbox is gone', async () => {
    expect(registry.size).toBe(0);
    const session = await newSession();
    const client = await attached(session);
    const running = await crunList();
    expect(running).toHaveLength(1);
    expect(readdirSync(bundlesDir)).toEqual(running);

    client.type('exit\r');
    const closed = await client.waitForClose();
    expect(closed.code).toBe(1000);
    const exitAt = client.events.findIndex(
      (event) => event.kind === 'text' && event.message?.type === 'exit',
    );
    const exitFrame = client.events[exitAt];
    expect(exitFrame?.kind === 'text' ? JSON.parse(exitFrame.text) : undefined).toEqual({
      type: 'exit',
      code: 0,
    });
    expect(exitAt).toBeLessThan(client.events.findIndex((event) => event.kind === 'close'));

    await waitFor(() => (registry.size === 0 ? true : undefined), 'the session to end');
    expect(session.ended).toBe('exited');
    expect(registry.authenticate(session.id, session.token)).toBeUndefined();
    await waitFor(
      () => (readdirSync(bundlesDir).length === 0 ? true : undefined),
      'the bundle to be removed',
    );
    expect(await crunList()).toEqual([]);
    // The session is gone for good: its credentials no longer open anything. A page that keeps
    // reconnecting to it is not guessing: past 30 tries its address is still not refused.
    for (let attempt = 0; attempt < 35; attempt++) {
      expect(await new Client({ session }).refusedWith()).toBe(403);
    }
  });

  it('when the client closes: kept for a reconnect, then ended after the orphan timeout', async () => {
    expect(registry.size).toBe(0);
    const session = await newSession();
    const client = await attached(session);
    const [id] = await crunList();
    expect(id).toBeDefined();
    expect(existsSync(`${bundlesDir}/${id ?? ''}`)).toBe(true);

    const closedAt = Date.now();
    await client.close();
    // Within the orphan timeout the session waits for its browser to come back...
    await sleep(ORPHAN_TIMEOUT_MS / 3);
    expect(registry.authenticate(session.id, session.token)).toBe(session);
    expect(registry.size).toBe(1);
    // ...and after it, nothing is left: no session, no container, no bundle.
    await waitFor(() => (registry.size === 0 ? true : undefined), 'the session to end');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(ORPHAN_TIMEOUT_MS - 50);
    expect(session.ended).toBe('orphaned');
    await waitFor(
      () => (readdirSync(bundlesDir).length === 0 ? true : undefined),
      'the bundle to be removed',
    );
    expect(await crunList()).toEqual([]);
    expect(gateway.connections).toBe(0);
  });
});
