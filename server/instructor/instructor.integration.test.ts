/**
 * Workshop mode and the instructor API over the real router and real sandboxes: with
 * NESTBOX_JOIN_CODE set, a browser gets no sandbox until it has shown the code (the join API or a
 * `?join=CODE` link); the roster answers only to the instructor token.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../config.js';
import { createRouter } from '../http.js';
import { silentLogger } from '../log.js';
import { createLabMetrics } from '../metrics.js';
import { FailureLimiter } from '../rate-limit.js';
import { openSandboxHost, type SandboxHost } from '../sandbox/index.js';
import { SessionRegistry } from '../sessions/registry.js';
import { openStore } from '../store/index.js';
import { AUTH_FAILURE_DEFAULTS, TRANSPORT_DEFAULTS } from '../terminal/defaults.js';
import { createTerminalGateway, type TerminalGateway } from '../terminal/gateway.js';
import { TestClient } from '../terminal/test-client.js';
import { Broadcaster } from './broadcast.js';

const ORIGIN = 'http://lab.test';
const JOIN_CODE = 'ROOM-42';
const TOKEN = 'instructor-secret-for-tests';
const config = loadConfig({
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-instructor',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-instructor',
  NESTBOX_ID_BASE: '1810000000',
  NESTBOX_JOIN_CODE: JOIN_CODE,
});

let host: SandboxHost;
let registry: SessionRegistry;
let gateway: TerminalGateway;
let server: Server;
let base = '';
const store = openStore(':memory:');
/** Three a minute, so the rate limit is reached within the test. */
const broadcaster = new Broadcaster({ lifetimeMs: 60_000, maxPerWindow: 3, windowMs: 60_000 });

beforeAll(async () => {
  host = await openSandboxHost({ ...config, maxSandboxes: 2 });
  registry = new SessionRegistry(host, {
    ...config.sessions,
    // An extension (two minutes from now) must reach past the first deadline (one minute).
    ttlMs: 60_000,
    extendMs: 120_000,
    maxTtlMs: 150_000,
    maxSessions: 2,
    maxSessionsPerClient: 2,
    sweepIntervalMs: 1000,
    startTimeoutMs: 10_000,
  });
  const authFailures = new FailureLimiter(AUTH_FAILURE_DEFAULTS);
  gateway = createTerminalGateway(registry, {
    ...TRANSPORT_DEFAULTS,
    authFailures,
    broadcasts: broadcaster,
    allowedOrigins: [ORIGIN],
    logger: silentLogger(),
  });
  const metrics = createLabMetrics({ sessions: () => registry.size, connections: () => 0 });
  const router = createRouter({
    registry,
    gateway,
    scenariosDir: config.scenariosDir,
    allowedOrigins: [ORIGIN],
    store,
    broadcaster,
    metrics: { registry: metrics.registry, token: undefined },
    joinCode: config.joinCode,
    instructorToken: TOKEN,
    authFailures,
    nextRequest: (_request, response) => {
      response.writeHead(200).end('page');
      return Promise.resolve();
    },
    nextUpgrade: undefined,
    logger: silentLogger(),
  });
  server = createServer((request, response) => {
    void router.handleRequest(request, response);
  });
  server.on('upgrade', router.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await gateway.dispose();
  await registry.dispose();
  await host.dispose();
  server.close();
});

async function post(path: string, body: unknown, cookie = '') {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, cookie },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: { code: string }; sessionId?: string };
  return { status: response.status, json, cookies: response.headers.getSetCookie() };
}

/** The `name=value` pair of the join cookie among `set-cookie` headers, or ''. */
function joinCookie(cookies: string[]): string {
  return cookies.find((cookie) => cookie.startsWith('nestbox_join='))?.split(';')[0] ?? '';
}

describe('workshop mode', () => {
  it('records progress only for a browser that has shown the join code', async () => {
    const progress = { scenario: 'hello-sandbox', finished: true };
    const stranger = await post('/api/progress', progress);
    expect(stranger.status).toBe(403);
    expect(stranger.json.error?.code).toBe('join-code-required');
    const cookie = joinCookie((await post('/api/join', { code: JOIN_CODE })).cookies);
    expect((await post('/api/progress', progress, cookie)).status).toBe(200);
  });

  it('refuses a session to a browser that has not shown the join code', async () => {
    const { status, json } = await post('/api/sessions', { scenario: 'hello-sandbox' });
    expect(status).toBe(403);
    expect(json.error?.code).toBe('join-code-required');
    expect(registry.size).toBe(0);
  });

  it('refuses a wrong code and sets no cookie', async () => {
    const { status, json, cookies } = await post('/api/join', { code: 'ROOM-43' });
    expect(status).toBe(403);
    expect(json.error?.code).toBe('wrong-join-code');
    expect(joinCookie(cookies)).toBe('');
  });

  it('gives a sandbox once the right code was entered', async () => {
    const joined = await post('/api/join', { code: JOIN_CODE });
    expect(joined.status).toBe(200);
    const cookie = joinCookie(joined.cookies);
    expect(cookie).not.toBe('');
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    expect(created.status).toBe(201);
    await registry.end(created.json.sessionId ?? '');
  });

  it('lets a ?join=CODE link set the cookie, and ignores a wrong one', async () => {
    const wrong = await fetch(`${base}/learn/hello-sandbox?join=nope`);
    expect(joinCookie(wrong.headers.getSetCookie())).toBe('');
    const right = await fetch(`${base}/learn/hello-sandbox?join=${JOIN_CODE}`);
    expect(right.status).toBe(200);
    const cookie = joinCookie(right.headers.getSetCookie());
    expect(cookie).not.toBe('');
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    expect(created.status).toBe(201);
    await registry.end(created.json.sessionId ?? '');
  });
});

describe('the instructor API', () => {
  async function sessions(headers: Record<string, string>) {
    const response = await fetch(`${base}/api/instructor/sessions`, { headers });
    return {
      status: response.status,
      json: (await response.json()) as { sessions?: Record<string, unknown>[] },
    };
  }

  it('refuses the roster without the token or with a wrong one', async () => {
    expect((await sessions({})).status).toBe(401);
    expect((await sessions({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    const login = await post('/api/instructor/login', { token: 'not-the-token' });
    expect(login.status).toBe(401);
    expect(login.cookies.some((value) => value.startsWith('nestbox_instructor='))).toBe(false);
  });

  it('lists every live session with its usage, to the token as cookie or bearer', async () => {
    const cookie = joinCookie((await post('/api/join', { code: JOIN_CODE })).cookies);
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    expect(created.status).toBe(201);
    const login = await post('/api/instructor/login', { token: TOKEN });
    expect(login.status).toBe(200);
    const instructorCookie =
      login.cookies.find((value) => value.startsWith('nestbox_instructor='))?.split(';')[0] ?? '';
    const ways: Record<string, string>[] = [
      { cookie: instructorCookie },
      { authorization: `Bearer ${TOKEN}` },
    ];
    for (const headers of ways) {
      const { status, json } = await sessions(headers);
      expect(status).toBe(200);
      expect(json.sessions).toEqual([
        expect.objectContaining({
          sessionId: created.json.sessionId,
          scenario: 'hello-sandbox',
          connected: false,
          usage: expect.objectContaining({ pidsMax: config.limits.pids }) as unknown,
        }),
      ]);
    }
    await registry.end(created.json.sessionId ?? '');
    expect((await sessions({ authorization: `Bearer ${TOKEN}` })).json.sessions).toEqual([]);
  });

  it('extends and ends a session on request, each audited in the store', async () => {
    const cookie = joinCookie((await post('/api/join', { code: JOIN_CODE })).cookies);
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    const id = created.json.sessionId ?? '';
    const session = registry.list().find((candidate) => candidate.id === id);
    const before = session?.expiresAt ?? 0;
    const action = (path: string, headers: Record<string, string>) =>
      fetch(`${base}/api/instructor/sessions/${path}`, {
        method: 'POST',
        headers: { origin: ORIGIN, ...headers },
      });
    expect((await action(`${id}/extend`, {})).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const extended = await action(`${id}/extend`, auth);
    expect(extended.status).toBe(200);
    const { expiresAt } = (await extended.json()) as { expiresAt: number };
    expect(expiresAt).toBeGreaterThan(before);
    expect(session?.expiresAt).toBe(expiresAt);
    expect((await action(`${id}/end`, auth)).status).toBe(200);
    expect(session?.ended).toBe('ended');
    expect((await action(`${id}/end`, auth)).status).toBe(404);
    const audit = store.events(10).filter((event) => event.actor === 'instructor');
    expect(audit.map((event) => event.kind).sort()).toEqual([
      'instructor-end',
      'instructor-extend',
    ]);
    for (const event of audit) {
      expect(event.detail).toMatchObject({ sessionId: id, scenario: 'hello-sandbox' });
      expect(event.detail.from).toMatch(/127\.0\.0\.1/);
      expect(event.at).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('exports progress per learner and scenario as JSON and CSV, to the instructor only', async () => {
    store.passStep('learner-one', 'hello-sandbox', 1);
    const url = `${base}/api/instructor/progress`;
    expect((await fetch(`${url}.csv`)).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const json = (await (await fetch(url, { headers: auth })).json()) as {
      progress: { learner: string; passedSteps: number[] }[];
    };
    expect(json.progress).toContainEqual(
      expect.objectContaining({ learner: 'learner-one', passedSteps: [1] }),
    );
    const csv = await fetch(`${url}.csv`, { headers: auth });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).split('\r\n');
    expect(lines[0]).toBe('learner,scenario,current_step,passed_steps,finished_at,updated_at');
    expect(lines.some((line) => line.startsWith('"learner-one","hello-sandbox",'))).toBe(true);
  });

  it('mirrors a learner terminal read-only to the instructor over a WebSocket', async () => {
    const cookie = joinCookie((await post('/api/join', { code: JOIN_CODE })).cookies);
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    const id = created.json.sessionId ?? '';
    const session = registry.list().find((candidate) => candidate.id === id);
    const terminal = session?.terminal(1);
    const url = `${base.replace('http', 'ws')}/api/instructor/shadow?session=${id}`;
    const refused = new WebSocket(url, { origin: ORIGIN });
    const status = await new Promise<number>((resolve) => {
      refused.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
      });
      refused.on('error', () => undefined);
    });
    expect(status).toBe(401);

    const viewer = new WebSocket(url, {
      origin: ORIGIN,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    let seen = '';
    viewer.on('message', (data: Buffer) => (seen += data.toString('utf8')));
    await new Promise((resolve) => viewer.once('open', resolve));
    await waitFor(() => session?.viewers === 1);
    terminal?.write('echo shadow-$((6*7))\r');
    await waitFor(() => seen.includes('shadow-42'));
    // What the viewer sends, binary or text, never reaches the learner's shell.
    viewer.send(Buffer.from('echo pwned-$((1+1))\r'), { binary: true });
    viewer.send('echo pwned-$((2+2))\r');
    terminal?.write('echo after-$((5*5))\r');
    await waitFor(() => seen.includes('after-25'));
    const learnerSaw = terminal?.outputSince(0).data.toString('utf8') ?? '';
    expect(learnerSaw).toContain('after-25');
    expect(learnerSaw).not.toMatch(/pwned/);
    expect(seen).not.toMatch(/pwned/);
    viewer.close();
    await waitFor(() => session?.viewers === 0);
    await registry.end(id);
  });
});

describe('resetting a learner', () => {
  it('ends the session as a reset the page acts on, keeps progress, and is audited', async () => {
    const cookie = joinCookie((await post('/api/join', { code: JOIN_CODE })).cookies);
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    const { sessionId = '', token = '' } = created.json as { sessionId?: string; token?: string };
    const session = registry.list().find((candidate) => candidate.id === sessionId);
    store.passStep(session?.learner ?? '', 'hello-sandbox', 1);
    const learner = new TestClient({
      port: Number(new URL(base).port),
      session: { id: sessionId, token },
      origin: ORIGIN,
    });
    await learner.waitForMessage('ready');
    const reset = (headers: Record<string, string>) =>
      fetch(`${base}/api/instructor/sessions/${sessionId}/reset`, {
        method: 'POST',
        headers: { origin: ORIGIN, ...headers },
      });
    expect((await reset({})).status).toBe(401);
    expect(session?.ended).toBeUndefined();
    const done = await reset({ authorization: `Bearer ${TOKEN}` });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ reset: true });
    expect(session?.ended).toBe('reset');
    expect(await learner.waitForMessage('error')).toMatchObject({ code: 'session-reset' });
    expect((await learner.waitForClose()).reason).toBe('reset');
    expect(store.progress(session?.learner ?? '', 'hello-sandbox')?.passedSteps).toEqual([1]);
    const [event] = store.events(10).filter((entry) => entry.kind === 'instructor-reset');
    expect(event?.detail).toMatchObject({ sessionId, reset: true, scenario: 'hello-sandbox' });
  });
});

describe('broadcasting', () => {
  const send = (
    text: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
  ) =>
    fetch(`${base}/api/instructor/broadcast`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ text }),
    });

  async function attachedLearner(): Promise<{ client: TestClient; id: string }> {
    const cookie = joinCookie((await post('/api/join', { code: JOIN_CODE })).cookies);
    const created = await post('/api/sessions', { scenario: 'hello-sandbox' }, cookie);
    const { sessionId = '', token = '' } = created.json as { sessionId?: string; token?: string };
    const client = new TestClient({
      port: Number(new URL(base).port),
      session: { id: sessionId, token },
      origin: ORIGIN,
    });
    await client.waitForMessage('ready');
    return { client, id: sessionId };
  }

  it('reaches connected pages, then pages that connect later; bad texts and floods are refused', async () => {
    expect((await send('hello', {})).status).toBe(401);
    expect((await send('x'.repeat(281))).status).toBe(400);
    expect((await send('two\nlines')).status).toBe(400);

    const early = await attachedLearner();
    const sent = await send('  Break until 11:00  ');
    expect(sent.status).toBe(200);
    const { broadcast } = (await sent.json()) as { broadcast: { id: number; text: string } };
    expect(broadcast.text).toBe('Break until 11:00');
    expect(await early.client.waitForMessage('broadcast')).toMatchObject(broadcast);

    await registry.end(early.id);
    const late = await attachedLearner();
    expect(await late.client.waitForMessage('broadcast')).toMatchObject(broadcast);

    const [event] = store.events(10).filter((entry) => entry.kind === 'instructor-broadcast');
    expect(event?.detail).toMatchObject({ text: 'Break until 11:00', recipients: 1 });
    expect(event?.detail.from).toMatch(/127\.0\.0\.1/);

    // Three a minute in this lab: the refused texts above did not count.
    expect((await send('second')).status).toBe(200);
    expect((await send('third')).status).toBe(200);
    const flood = await send('fourth');
    expect(flood.status).toBe(429);
    expect(Number(flood.headers.get('retry-after'))).toBeGreaterThan(0);
    await waitFor(
      () => late.client.messages.filter((message) => message.type === 'broadcast').length === 3,
    );
    await registry.end(late.id);
  });
});

describe('guessing', () => {
  // A client address of its own (all of 127/8 is loopback), so the failures counted here are
  // only this test's, and the other tests' client is not refused afterwards.
  const GUESSER = '127.0.0.2';

  /** A request from GUESSER: its status and the cookies it was given. */
  async function guesserRequest(path: string, method = 'GET', body = '') {
    return new Promise<{ status: number; cookies: string[] }>((resolve, reject) => {
      const request = httpRequest(
        `${base}${path}`,
        {
          method,
          localAddress: GUESSER,
          headers: { origin: ORIGIN, 'content-type': 'application/json' },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            resolve({
              status: response.statusCode ?? 0,
              cookies: response.headers['set-cookie'] ?? [],
            });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  /** The status a shadow upgrade from GUESSER is answered with (101 once it opens). */
  async function shadowStatus(token: string): Promise<number> {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/api/instructor/shadow?session=x`, {
      origin: ORIGIN,
      localAddress: GUESSER,
      headers: { authorization: `Bearer ${token}` },
    });
    return new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
      });
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('error', () => undefined);
    });
  }

  it('counts wrong ?join= links and wrong shadow tokens as failed guesses, then refuses both', async () => {
    // Half of the limit each (30 a minute): only if both count is this client refused after.
    for (let guess = 0; guess < 15; guess++) {
      const link = await guesserRequest(`/?join=guess-${guess}`);
      expect(joinCookie(link.cookies)).toBe('');
      expect(await shadowStatus(`guess-${guess}-${'x'.repeat(16)}`)).toBe(401);
    }
    const rightLink = await guesserRequest(`/learn/hello-sandbox?join=${JOIN_CODE}`);
    expect(rightLink.status).toBe(200);
    expect(joinCookie(rightLink.cookies)).toBe('');
    expect(await shadowStatus(TOKEN)).toBe(429);
    const join = await guesserRequest('/api/join', 'POST', JSON.stringify({ code: JOIN_CODE }));
    expect(join.status).toBe(429);
    // The lab's other client is not affected.
    expect(joinCookie((await fetch(`${base}/?join=${JOIN_CODE}`)).headers.getSetCookie())).not.toBe(
      '',
    );
  });
});

async function waitFor(probe: () => boolean, timeoutMs = 7000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
