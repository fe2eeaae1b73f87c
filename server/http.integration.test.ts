/**
 * The session HTTP API over a real server with real sandboxes. Pages are out of scope here, so
 * the Next.js handler is replaced by a plain 404.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import type { LabMetrics } from './metrics.js';
import type { SessionRegistry } from './sessions/registry.js';
import { startTestApi, type TestApi } from './test-api-server.js';

const ORIGIN = 'http://lab.test';
const config = loadConfig({
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-http',

  NESTBOX_CGROUP_PARENT: 'nestbox-it-http',
  NESTBOX_ID_BASE: '1250000000',
});

let api: TestApi;
let registry: SessionRegistry;
let base = '';
let metrics: LabMetrics;

beforeAll(async () => {
  api = await startTestApi({
    config,
    scenariosDir: config.scenariosDir,
    origin: ORIGIN,
    maxSandboxes: 8,
    sessions: {
      ...config.sessions,
      ttlMs: 60_000,
      extendMs: 120_000,
      maxTtlMs: 150_000,
      maxSessions: 6,
      maxSessionsPerClient: 2,
      sweepIntervalMs: 1000,
      startTimeoutMs: 10_000,
    },
    helloTimeoutMs: 1000,
  });
  ({ registry, metrics, base } = api);
});

afterAll(async () => {
  await api.dispose();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Sends `head` over a bare TCP connection and returns all the server answers before it closes. */
async function rawExchange(head: string): Promise<string> {
  const socket = connect(Number(new URL(base).port), '127.0.0.1');
  socket.end(head);
  let reply = '';
  for await (const chunk of socket) reply += String(chunk);
  return reply;
}

function errorMessage(body: Record<string, unknown>): string {
  const error = body.error as { message?: string } | undefined;
  return error?.message ?? '';
}

describe('POST /api/sessions', () => {
  it('creates a session with a long random id and token', async () => {
    const { status, body } = await post('/api/sessions', '{"scenario":"hello-sandbox"}');
    expect(status).toBe(201);
    expect(body.sessionId).toMatch(/^[\w-]{22,}$/);
    expect(body.token).toMatch(/^[\w-]{43,}$/);
    expect(body.expiresAt).toBeGreaterThan(Date.now());
    await registry.end(body.sessionId as string);
  });

  it('answers bad requests with a clear 4xx, and starts nothing', async () => {
    expect((await post('/api/sessions', '{"scenario":"no-such-lesson"}')).status).toBe(404);
    expect((await post('/api/sessions', '{nope')).status).toBe(400);
    expect((await post('/api/sessions', '{"scenario":42}')).status).toBe(400);
    expect(
      (await post('/api/sessions', JSON.stringify({ scenario: 'x'.repeat(5000) }))).status,
    ).toBe(413);
    const foreign = await post('/api/sessions', '{"scenario":"hello-sandbox"}', {
      origin: 'http://evil.test',
    });
    expect(foreign.status).toBe(403);
    expect(registry.size).toBe(0);
  });

  it('answers a URL it cannot parse with 400, as a request and as an upgrade, and goes on', async () => {
    // Node's parser lets `//host:port` through; the WHATWG URL parser throws on this port.
    const plain = await rawExchange(
      'GET //x:99999 HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n',
    );
    expect(plain).toMatch(/^HTTP\/1\.1 400 /);
    expect(plain).toContain('"bad-url"');
    const upgrade = await rawExchange(
      'GET //x:99999/api/terminal HTTP/1.1\r\nHost: lab\r\nUpgrade: websocket\r\n' +
        'Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade).toMatch(/^HTTP\/1\.1 400 /);
    expect((await post('/api/sessions', '{nope')).status).toBe(400);
  });

  it('answers 429 with a clear message when one client floods', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => post('/api/sessions', '{"scenario":"hello-sandbox"}')),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([201, 201, 429, 429]);
    const refused = results.find((result) => result.status === 429);
    expect(errorMessage(refused?.body ?? {})).toMatch(/already have 2 sessions open/);
    await Promise.all(results.map((result) => registry.end(String(result.body.sessionId))));
  });
});

describe('session actions', () => {
  it('extends within the cap, reports, and ends a session only with its token', async () => {
    const { body } = await post('/api/sessions', '{"scenario":"hello-sandbox"}');
    const id = body.sessionId as string;
    const auth = { authorization: `Bearer ${body.token as string}` };

    const wrong = await fetch(`${base}/api/sessions/${id}/extend`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong' },
    });
    expect(wrong.status).toBe(403);

    const extended = await post(`/api/sessions/${id}/extend`, '', auth);
    expect(extended.status).toBe(200);
    const expiresAt = extended.body.expiresAt as number;
    expect(expiresAt).toBeGreaterThan((body.expiresAt as number) + 50_000);
    // A second extension stops at the total cap (150 s after creation).
    const capped = await post(`/api/sessions/${id}/extend`, '', auth);
    expect(capped.body.expiresAt as number).toBeLessThanOrEqual(Date.now() + 150_000);

    const status = await fetch(`${base}/api/sessions/${id}`, { headers: auth });
    expect(await status.json()).toEqual({ expiresAt: capped.body.expiresAt });

    const ended = await fetch(`${base}/api/sessions/${id}`, { method: 'DELETE', headers: auth });
    expect(ended.status).toBe(200);
    const gone = await fetch(`${base}/api/sessions/${id}`, { headers: auth });
    expect(gone.status).toBe(403);
    // A page that keeps asking about its own ended session is not guessing: more than the 30
    // failed guesses a minute, and its address (maybe a whole classroom's NAT) is not refused.
    for (let ask = 0; ask < 40; ask++) {
      const again = await fetch(`${base}/api/sessions/${id}/background`, { headers: auth });
      expect(again.status).toBe(403);
      expect(await again.json()).toMatchObject({ error: { code: 'session-ended' } });
    }
    expect((await post('/api/sessions/no-such-session/extend', '', auth)).status).toBe(403);
  });
});

describe('progress', () => {
  it('follows the learner cookie, and keeps learners apart', async () => {
    const first = await fetch(`${base}/api/progress?scenario=hello-sandbox`);
    const cookie = /nestbox_learner=([\w-]+)/.exec(first.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toMatch(/^[\w-]{16,}$/);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
    expect(await first.json()).toEqual({ progress: null });
    const asLearner = { cookie: `nestbox_learner=${cookie ?? ''}` };

    const opened = await post('/api/progress', '{"scenario":"hello-sandbox","step":1}', asLearner);
    expect(opened.status).toBe(200);
    expect(opened.body.progress).toMatchObject({ currentStep: 1, passedSteps: [] });
    const again = await fetch(`${base}/api/progress?scenario=hello-sandbox`, {
      headers: asLearner,
    });
    expect(again.headers.get('set-cookie')).toBeNull(); // a known learner keeps their id
    expect(await again.json()).toMatchObject({ progress: { currentStep: 1 } });

    const stranger = await fetch(`${base}/api/progress?scenario=hello-sandbox`, {
      headers: { cookie: 'nestbox_learner=someone-else-entirely' },
    });
    expect(await stranger.json()).toEqual({ progress: null });

    expect(
      (await post('/api/progress', '{"scenario":"hello-sandbox","step":-1}', asLearner)).status,
    ).toBe(400);
    expect((await post('/api/progress', '{"scenario":"nope","step":1}', asLearner)).status).toBe(
      404,
    );
    const foreign = await post('/api/progress', '{"scenario":"hello-sandbox","step":2}', {
      ...asLearner,
      origin: 'http://evil.test',
    });
    expect(foreign.status).toBe(403);
  });
});

describe('/metrics', () => {
  it('answers only with the token, in Prometheus text format', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(403);
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(403);
    metrics.sessionsCreated.inc();
    const response = await fetch(`${base}/metrics`, {
      headers: { authorization: 'Bearer metrics-secret' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^nestbox_sessions_created_total \d+$/m);
    expect(text).toMatch(/^nestbox_sessions_active \d+$/m);
    expect(text).toMatch(/^# TYPE nestbox_sandbox_start_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE nestbox_websocket_rejected_total counter$/m);
  });
});

describe('POST /api/sessions/:id/verify', () => {
  it('checks a step in the learner sandbox, hints on failure, and records a pass', async () => {
    const learner = { cookie: 'nestbox_learner=verify-learner-0123456789' };
    const { body } = await post('/api/sessions', '{"scenario":"hello-sandbox"}', learner);
    const id = body.sessionId as string;
    const auth = { ...learner, authorization: `Bearer ${body.token as string}` };

    const before = await post(`/api/sessions/${id}/verify`, '{"step":2}', auth);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      passed: false,
      hint: expect.stringMatching(/no ~\/note.txt yet/) as string,
    });

    const session = registry.authenticate(id, body.token as string);
    await session?.exec(['/bin/sh', '-c', 'echo "I am root on $(hostname)" > /root/note.txt']);
    const after = await post(`/api/sessions/${id}/verify`, '{"step":2}', auth);
    expect(after.body).toEqual({ passed: true, hint: '' });

    const progress = await fetch(`${base}/api/progress?scenario=hello-sandbox`, {
      headers: learner,
    });
    expect(await progress.json()).toMatchObject({ progress: { passedSteps: [2] } });
    expect((await post(`/api/sessions/${id}/verify`, '{"step":9}', auth)).status).toBe(400);
    expect(
      (await post(`/api/sessions/${id}/verify`, '{"step":2}', { authorization: 'Bearer x' }))
        .status,
    ).toBe(403);
    await registry.end(id);
  });

  it('runs one check at a time per session: the same step shares it, another is refused', async () => {
    const { body } = await post('/api/sessions', '{"scenario":"linux-namespaces"}');
    const id = body.sessionId as string;
    const auth = { authorization: `Bearer ${body.token as string}` };
    const session = registry.authenticate(id, body.token as string);
    // The learner is root in the sandbox: a slow mktemp (which every check's wrapper runs)
    // keeps each check going for 2 s, and counts the checks that ran.
    await session?.exec([
      '/bin/sh',
      '-c',
      'mv /usr/bin/mktemp /usr/bin/mktemp.real && ' +
        `printf '#!/bin/sh\\necho run >> /tmp/checks\\nsleep 2\\nexec /usr/bin/mktemp.real "$@"\\n' ` +
        '> /usr/bin/mktemp && chmod 755 /usr/bin/mktemp',
    ]);
    const same = [1, 2, 3].map(() => post(`/api/sessions/${id}/verify`, '{"step":1}', auth));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const other = await post(`/api/sessions/${id}/verify`, '{"step":2}', auth);
    expect(other.status).toBe(429);
    expect(errorMessage(other.body)).toMatch(/another step is still running/);
    const results = await Promise.all(same);
    expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((result) => JSON.stringify(result.body))).size).toBe(1);
    const runs = async () => (await session?.exec(['/bin/cat', '/tmp/checks']))?.stdout;
    expect(await runs()).toBe('run\n');
    // Once it is done, the next check runs.
    expect((await post(`/api/sessions/${id}/verify`, '{"step":2}', auth)).status).toBe(200);
    expect(await runs()).toBe('run\nrun\n');
    await registry.end(id);
  });
});
