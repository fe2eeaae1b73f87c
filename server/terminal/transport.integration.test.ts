/**
 * The terminal transport end to end, without the browser: real WebSockets (ws), real node-pty,
 * real crun sandboxes. Runs as root.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES, SUBPROTOCOL, encodeMessage } from '../../lib/protocol/index.js';
import { loadConfig } from '../config.js';
import { openSandboxHost, type SandboxHost } from '../sandbox/index.js';
import { SessionLimitError, SessionRegistry } from '../sessions/registry.js';
import type { Session } from '../sessions/session.js';
import { silentLogger } from '../log.js';
import { collectingLogger } from '../test-log.js';
import { createTerminalGateway, type TerminalGateway } from './gateway.js';
import { AUTH_FAILURE_DEFAULTS, TRANSPORT_DEFAULTS } from './defaults.js';
import { FailureLimiter } from '../rate-limit.js';
import { TestClient, helloMessage, waitFor, type TestClientOptions } from './test-client.js';

const ORIGIN = 'http://lab.test';
const ESC = String.fromCharCode(0x1b);
const config = loadConfig({
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-transport',

  NESTBOX_CGROUP_PARENT: 'nestbox-it-transport',
  NESTBOX_ID_BASE: '1200000000',
});

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
    outputBufferBytes: 64 * 1024,
    orphanTimeoutMs: 1500,
    maxSessions: 6,
    maxSessionsPerClient: 5,
    sweepIntervalMs: 100,
    startTimeoutMs: 10_000,
  });
  gateway = createTerminalGateway(registry, {
    ...TRANSPORT_DEFAULTS,
    authFailures: new FailureLimiter(AUTH_FAILURE_DEFAULTS),
    allowedOrigins: [ORIGIN],
    helloTimeoutMs: 1000,
    logger,
  });
  server = createServer();
  server.on('upgrade', (request, socket, head) => {
    gateway.handleUpgrade(request, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  await gateway.dispose();
  await registry.dispose();
  await host.dispose();
  server.close();
});

type ClientOptions = Omit<TestClientOptions, 'port' | 'origin'> & { origin?: string };

/** A scripted browser on this test's server, from the allowed origin unless told otherwise. */
class Client extends TestClient {
  constructor(options: ClientOptions) {
    super({ ...options, port, origin: options.origin ?? ORIGIN });
  }
}

async function newSession(): Promise<Session> {
  return registry.create('hello-sandbox', 'test-client');
}

async function readyClient(options: ClientOptions): Promise<Client> {
  const client = new Client(options);
  await client.waitForMessage('ready');
  await client.waitForOutput(/root@nestbox:~# $/);
  return client;
}

describe('the terminal transport', () => {
  it('echoes commands through a real sandboxed shell', async () => {
    const session = await newSession();
    const client = await readyClient({ session });
    client.type('echo $((6*7))\r');
    await client.waitForOutput(/\b42\r\n/);
    await session.end('ended');
  });

  it('carries all 256 byte values both ways unchanged', async () => {
    const session = await newSession();
    const client = await readyClient({ session });
    // Raw mode: no echo, no line editing, no CR/LF translation, no signals.
    client.type('stty raw -echo; echo raw-$((5*5)); head -c 256 | od -An -v -tx1 | tr -d " \\n"; ');
    client.type(
      'echo; python3 -c \'import sys; sys.stdout.buffer.write(b"<<" + bytes(range(256)) + b">>")\'\r',
    );
    // Send the bytes only once the pty is raw: before stty has run, its line discipline would
    // take ^C, ^D, ^U and the rest as keys. (The marker is computed, so the echoed line does
    // not match it.)
    await client.waitForOutput(/raw-25/);
    client.ws.send(Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)), { binary: true });
    const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0')).join(
      '',
    );
    await client.waitForOutput(new RegExp(hex));
    const all = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
    await waitFor(
      () =>
        client.bytes.includes(Buffer.concat([Buffer.from('<<'), all, Buffer.from('>>')]))
          ? true
          : undefined,
      'the 256 bytes',
    );
    await session.end('ended');
  });

  it('clamps absurd resize values and keeps the connection', async () => {
    const session = await newSession();
    const client = await readyClient({ session });
    client.ws.send(JSON.stringify({ type: 'resize', cols: 1e9, rows: -1 }));
    client.type('stty size\r');
    await client.waitForOutput(/\b1 1000\r\n/);
    client.send({ type: 'resize', cols: 123, rows: 45 });
    client.type('stty size\r');
    await client.waitForOutput(/\b45 123\r\n/);
    expect(client.closed).toBeUndefined();
    await session.end('ended');
  });

  it('stops reading the pty while the client is behind, and resumes on ack', async () => {
    const session = await newSession();
    const client = await readyClient({ session, autoAck: false });
    const ackedBeforeFlood = client.bytes.length;
    client.ackAll();
    client.type('yes\r');
    const terminal = session.terminal(1);
    if (!terminal) throw new Error('no terminal');
    await waitFor(() => (terminal.isPaused ? true : undefined), 'the pty to pause');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const offsetWhilePaused = terminal.outputOffset;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Paused means paused: not one more byte was read from the pty.
    expect(terminal.outputOffset).toBe(offsetWhilePaused);
    // Never more unacked than the window, not even by a batch.
    expect(client.bytes.length - ackedBeforeFlood).toBeLessThanOrEqual(
      TRANSPORT_DEFAULTS.flow.maxWindowBytes,
    );

    client.ackAll();
    await waitFor(
      () => (terminal.outputOffset > offsetWhilePaused ? true : undefined),
      'reading to resume',
    );
    client.type('\x03');
    // With the flood held back, the prompt comes back after Ctrl-C once the client catches up.
    const ackLoop = setInterval(() => {
      client.ackAll();
    }, 5);
    try {
      // (bash may switch bracketed paste back on, ESC [?2004h, before the prompt)
      await client.waitForOutput(new RegExp(`\\^C\r\n(${ESC}\\[\\?2004h)?root@nestbox:~# $`));
    } finally {
      clearInterval(ackLoop);
    }
    await session.end('ended');
  });

  it('replays exactly the missed bytes after a reconnect', async () => {
    const session = await newSession();
    const first = await readyClient({ session });
    first.type('for i in $(seq 1 400); do echo line-$i; done; sleep 0.5; echo finished-$((1+1))\r');
    await first.waitForOutput(/line-100\r\n/);
    await first.close();
    const kept = first.bytes;

    const second = await readyClient({ session, offset: kept.length });
    const ready = await second.waitForMessage('ready');
    expect(ready.offset).toBe(kept.length);
    expect(ready.lost).toBe(0);
    await second.waitForOutput(/finished-2\r\n/);
    const whole = Buffer.concat([kept, second.bytes]).toString();
    const lines = whole.match(/^line-\d+\r$/gm) ?? [];
    expect(lines).toEqual(Array.from({ length: 400 }, (_, index) => `line-${index + 1}\r`));
    await session.end('ended');
  });

  it('says how much output was lost when it rolled out of the buffer', async () => {
    const session = await newSession();
    const first = await readyClient({ session });
    first.type("sleep 0.5; head -c 200000 /dev/zero | tr '\\0' x; echo; echo done-$((2+3))\r");
    await first.close();
    // Detached (the orphan timeout is 1.5 s), the flood rolls through the 64 KiB buffer.
    await waitFor(
      () => ((session.terminal(1)?.outputOffset ?? 0) > 200_000 ? true : undefined),
      'the flood',
    );

    const second = new Client({ session, offset: first.bytes.length });
    const ready = await second.waitForMessage('ready');
    expect(ready.lost).toBeGreaterThan(100_000);
    expect(ready.offset).toBe(first.bytes.length + ready.lost);
    await second.waitForOutput(/done-5\r\n/);
    await session.end('ended');
  });

  it('lets a second tab take the terminal over and tells the first', async () => {
    const session = await newSession();
    const first = await readyClient({ session });
    const second = await readyClient({ session });
    const notice = await first.waitForMessage('error');
    expect(notice.code).toBe('taken-over');
    expect((await first.waitForClose()).code).toBe(CLOSE_CODES.takenOver);
    second.type('echo still-$((3*3))\r');
    await second.waitForOutput(/still-9/);
    await session.end('ended');
  });

  it('opens extra terminals as new shells in the same sandbox', async () => {
    const session = await newSession();
    const one = await readyClient({ session });
    const two = await readyClient({ session, terminal: 2 });
    one.type('echo "one=$$ $(hostname)"\r');
    two.type('echo "two=$$ $(hostname)"\r');
    const [, pidOne] = await one.waitForOutput(/one=(\d+) nestbox/);
    const [, pidTwo] = await two.waitForOutput(/two=(\d+) nestbox/);
    expect(pidOne).not.toBe(pidTwo);
    // Both shells, by pid, from the second one: the same pid namespace. (Counting every bash in
    // `ps -e` also counts a pipeline's children before they exec and the other shell's
    // $(hostname) subshell.)
    two.type(`ps -o comm= -p ${pidOne},${pidTwo} | sort | uniq -c\r`);
    await two.waitForOutput(/\s2 bash\r\n/);
    await session.end('ended');
  });

  it('enforces the per-client cap', async () => {
    const sessions = await Promise.all(
      [1, 2, 3, 4, 5].map(() => registry.create('hello-sandbox', 'greedy')),
    );
    await expect(registry.create('hello-sandbox', 'greedy')).rejects.toBeInstanceOf(
      SessionLimitError,
    );
    await Promise.all(sessions.map((session) => session.end('ended')));
  });
});

describe('the terminal gateway refuses', () => {
  let session: Session;

  beforeAll(async () => {
    session = await newSession();
  });

  afterAll(async () => {
    await session.end('ended');
  });

  // The statuses of refused upgrades are in gateway.integration.test.ts; here, that they are logged.
  it('a foreign Origin, and says so in the log', async () => {
    const foreign = new Client({ session, origin: 'http://evil.test' });
    await foreign.waitForClose();
    expect(foreign.httpStatus).toBe(403);
    expect(logged).toContainEqual(
      expect.objectContaining({ event: 'ws-reject', reason: 'origin', origin: 'http://evil.test' }),
    );
  });

  it('a client that never says hello', async () => {
    const client = new Client({ session, hello: false });
    expect((await client.waitForClose()).code).toBe(CLOSE_CODES.protocolError);
  });

  it('invalid UTF-8 in a text frame (1007), closing only that connection', async () => {
    const badText = await readyClient({ session });
    badText.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await badText.waitForClose()).code).toBe(1007);
    const good = await readyClient({ session });
    good.type('echo alive\r');
    await good.waitForOutput(/\balive\r\n/);
  });
});

describe('the heartbeat', () => {
  it('terminates a connection whose client stopped answering pings', async () => {
    const quick = createTerminalGateway(registry, {
      ...TRANSPORT_DEFAULTS,
      authFailures: new FailureLimiter(AUTH_FAILURE_DEFAULTS),
      allowedOrigins: [ORIGIN],
      helloTimeoutMs: 1000,
      heartbeatIntervalMs: 200,
      logger: silentLogger(),
    });
    const quickServer = createServer();
    quickServer.on('upgrade', (request, socket, head) => {
      quick.handleUpgrade(request, socket, head);
    });
    await new Promise<void>((resolve) => quickServer.listen(0, '127.0.0.1', resolve));
    const address = quickServer.address();
    const quickPort = typeof address === 'object' && address ? address.port : 0;
    const session = await newSession();
    try {
      const ws = new WebSocket(
        `ws://127.0.0.1:${quickPort}/api/terminal?session=${session.id}&token=${session.token}`,
        SUBPROTOCOL,
        { origin: ORIGIN },
      );
      ws.on('error', () => undefined);
      await new Promise((resolve) => ws.once('open', resolve));
      ws.send(encodeMessage(helloMessage()));
      await waitFor(() => (quick.connections === 1 ? true : undefined), 'the connection');
      // A frozen client: its socket reads nothing, so no pong ever goes back.
      ws.pause();
      await waitFor(
        () => (quick.connections === 0 ? true : undefined),
        'the server to drop it',
        3000,
      );
      ws.terminate();
    } finally {
      await session.end('ended');
      await quick.dispose();
      quickServer.close();
    }
  });
});

describe('guessing', () => {
  it('rate-limits a client that tries many random session ids', async () => {
    const guarded = createTerminalGateway(registry, {
      ...TRANSPORT_DEFAULTS,
      authFailures: new FailureLimiter({ maxFailures: 20, windowMs: 60_000, maxClients: 100 }),
      allowedOrigins: [ORIGIN],
      logger: silentLogger(),
    });
    const guardedServer = createServer();
    guardedServer.on('upgrade', (request, socket, head) => {
      guarded.handleUpgrade(request, socket, head);
    });
    await new Promise<void>((resolve) => guardedServer.listen(0, '127.0.0.1', resolve));
    const address = guardedServer.address();
    const guardedPort = typeof address === 'object' && address ? address.port : 0;
    const session = await newSession();
    const statusOf = (id: string, token: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(
          `ws://127.0.0.1:${guardedPort}/api/terminal?session=${id}&token=${token}`,
          SUBPROTOCOL,
          { origin: ORIGIN },
        );
        ws.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('error', () => undefined);
      });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 1000; attempt++) {
        statuses.push(
          await statusOf(
            randomBytes(16).toString('base64url'),
            randomBytes(32).toString('base64url'),
          ),
        );
      }
      expect(statuses.slice(0, 20).every((status) => status === 403)).toBe(true);
      expect(statuses.slice(20).every((status) => status === 429)).toBe(true);
      // Blocked means blocked: even the right token waits out the window.
      expect(await statusOf(session.id, session.token)).toBe(429);
    } finally {
      await session.end('ended');
      await guarded.dispose();
      guardedServer.close();
    }
  });
});

describe('session clocks', () => {
  it('end an idle session and an expired one, each with its reason', async () => {
    const strict = new SessionRegistry(host, {
      ...config.sessions,
      idleTimeoutMs: 700,
      ttlMs: 60_000,
      maxTtlMs: 60_000,
      maxSessions: 2,
      maxSessionsPerClient: 2,
      sweepIntervalMs: 50,
      startTimeoutMs: 10_000,
    });
    const short = new SessionRegistry(host, {
      ...config.sessions,
      ttlMs: 700,
      maxTtlMs: 700,
      maxSessions: 2,
      maxSessionsPerClient: 2,
      sweepIntervalMs: 50,
      startTimeoutMs: 10_000,
    });
    try {
      const idle = await strict.create('hello-sandbox', 'clock-test');
      const expiring = await short.create('hello-sandbox', 'clock-test');
      await waitFor(() => idle.ended, 'the idle timeout', 5000);
      await waitFor(() => expiring.ended, 'the lifetime', 5000);
      expect(idle.ended).toBe('idle');
      expect(expiring.ended).toBe('expired');
      // Extending cannot pass the total cap.
      expect(expiring.extend()).toBeLessThanOrEqual(expiring.createdAt + 700);
    } finally {
      await strict.dispose();
      await short.dispose();
    }
  });
});
