/**
 * A scenario's assets, background and foreground scripts in live learner sessions, over the
 * real HTTP API and real sandboxes, on the fixture scenario e2e/fixtures/scenarios/runtime-demo.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { loadScenario } from './scenarios/catalog.js';
import { LessonRuntime } from './scenarios/lesson-runtime.js';
import type { SessionRegistry } from './sessions/registry.js';
import { startTestApi, type TestApi } from './test-api-server.js';

const ORIGIN = 'http://lab.test';
const FIXTURES = resolve('e2e/fixtures/scenarios');
// A run directory, cgroup and uid range of this file's own: opening a host reaps its run dir.
const config = loadConfig({
  ...process.env,
  NESTBOX_RUN_DIR: '/run/nestbox-it-lesson-runtime',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-lesson-runtime',
  NESTBOX_ID_BASE: '1770000000',
});

let api: TestApi;
let registry: SessionRegistry;
let base = '';
/** A scenarios folder with the fixture plus a scenario whose assets cannot be copied. */
let scenarios = '';

beforeAll(async () => {
  scenarios = await mkdtemp(join(tmpdir(), 'nestbox-lesson-runtime-'));
  await cp(join(FIXTURES, 'runtime-demo'), join(scenarios, 'runtime-demo'), { recursive: true });
  // Its second asset lands in a folder that the first one made a file: only the copy fails.
  await cp(join(FIXTURES, 'runtime-demo'), join(scenarios, 'broken-assets'), { recursive: true });
  await writeFile(
    join(scenarios, 'broken-assets', 'index.json'),
    JSON.stringify({
      title: 'Broken assets',
      description: 'Its assets collide.',
      details: {
        intro: { text: 'intro.md' },
        steps: [{ title: 'One', text: 'step1/text.md' }],
        assets: {
          host01: [
            { file: 'tool.sh', target: '/tmp' },
            { file: 'data/*', target: '/tmp/tool.sh' },
          ],
        },
      },
    }),
  );

  api = await startTestApi({
    config,
    scenariosDir: scenarios,
    origin: ORIGIN,
    maxSandboxes: 6,
    sessions: {
      ...config.sessions,
      maxSessions: 4,
      maxSessionsPerClient: 4,
      sweepIntervalMs: 1000,
      startTimeoutMs: 10_000,
    },
  });
  ({ registry, base } = api);
});

afterAll(async () => {
  await api.dispose();
  await rm(scenarios, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

async function request(path: string, init: { method?: string; token?: string; body?: unknown }) {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      'content-type': 'application/json',
      origin: ORIGIN,
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function startSession(scenario = 'runtime-demo') {
  const { status, body } = await request('/api/sessions', {
    method: 'POST',
    body: { scenario },
  });
  return { status, body, id: String(body.sessionId), token: String(body.token) };
}

/** Runs a command in the session's sandbox, as a test's eyes inside it. */
async function inSandbox(id: string, token: string, command: string): Promise<string> {
  const session = registry.authenticate(id, token);
  if (!session) throw new Error('no such session');
  return (await session.exec(['/bin/sh', '-c', command])).stdout;
}

async function backgroundOf(id: string, token: string): Promise<Record<string, Json>> {
  const { status, body } = await request(`/api/sessions/${id}/background`, { token });
  expect(status).toBe(200);
  return body.pages as Record<string, Json>;
}

describe('a session for a scenario with assets and scripts', () => {
  it('has its assets with their modes right after POST /api/sessions', async () => {
    const { status, id, token } = await startSession();
    expect(status).toBe(201);
    expect(await inSandbox(id, token, 'stat -c "%a %n" /root/bin/tool.sh /root/data/notes.txt'))
      .toBe(`755 /root/bin/tool.sh
640 /root/data/notes.txt
`);
    expect(await inSandbox(id, token, '/root/bin/tool.sh')).toBe('tool works\n');
    await registry.end(id);
  });

  it('runs the intro background: running at once, then succeeded', async () => {
    const { id, token } = await startSession();
    expect((await backgroundOf(id, token))['0']).toMatchObject({ state: 'running' });
    await expect
      .poll(async () => (await backgroundOf(id, token))['0']?.state, {
        timeout: 15_000,
        interval: 300,
      })
      .toBe('succeeded');
    expect(await inSandbox(id, token, 'cat /root/intro-ready')).toBe('ready\n');
    await registry.end(id);
  });

  it('starts a step background once however often the step is opened', async () => {
    const { id, token } = await startSession();
    const open = (page: number) =>
      request(`/api/sessions/${id}/open`, { method: 'POST', token, body: { page } });
    // Two opens at once (a double click, two tabs), then a reload's open.
    const [first, second] = await Promise.all([open(1), open(1)]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect((first.body.pages as Record<string, Json>)['1']).toMatchObject({ state: 'running' });
    await open(1);
    await expect
      .poll(async () => (await backgroundOf(id, token))['1']?.state, {
        timeout: 15_000,
        interval: 300,
      })
      .toBe('succeeded');
    await open(1);
    expect(await inSandbox(id, token, 'grep -c step1 /tmp/background-runs')).toBe('1\n');
    expect(await inSandbox(id, token, 'grep -c intro /tmp/background-runs')).toBe('1\n');
    await registry.end(id);
  });

  it('hands out the foreground text the first time a page opens, never again', async () => {
    const { id, token } = await startSession();
    const open = (page: number) =>
      request(`/api/sessions/${id}/open`, { method: 'POST', token, body: { page } });
    expect((await open(0)).body.foreground).toBe('echo "foreground: $((6 * 7))"\n');
    expect((await open(0)).body.foreground).toBeNull();
    expect((await open(1)).body.foreground).toBeNull(); // step 1 has none
    expect((await open(9)).status).toBe(400);
    expect(
      (await request(`/api/sessions/${id}/open`, { method: 'POST', token, body: { page: '1' } }))
        .status,
    ).toBe(400);
    await registry.end(id);
  });

  it('reports a failed background script with the log that says why', async () => {
    const { id, token } = await startSession();
    await request(`/api/sessions/${id}/open`, { method: 'POST', token, body: { page: 2 } });
    await expect
      .poll(async () => (await backgroundOf(id, token))['2']?.state, { timeout: 10_000 })
      .toBe('failed');
    const log = String((await backgroundOf(id, token))['2']?.log);
    expect(await inSandbox(id, token, `cat ${log}`)).toBe('could not prepare step 2\n');
    await registry.end(id);
  });

  it('answers the states only with the session token', async () => {
    const mine = await startSession();
    const theirs = await startSession();
    const path = `/api/sessions/${mine.id}/background`;
    expect((await request(path, {})).status).toBe(403);
    expect((await request(path, { token: 'wrong' })).status).toBe(403);
    expect((await request(path, { token: theirs.token })).status).toBe(403);
    expect((await request(path, { token: mine.token })).status).toBe(200);
    const open = `/api/sessions/${mine.id}/open`;
    expect(
      (await request(open, { method: 'POST', token: theirs.token, body: { page: 1 } })).status,
    ).toBe(403);
    await registry.end(mine.id);
    await registry.end(theirs.id);
    expect((await request(path, { token: mine.token })).status).toBe(403);
  });
});

describe('when the lesson cannot be set up', () => {
  it('answers with the reason and leaves no session behind', async () => {
    const { status, body } = await startSession('broken-assets');
    expect(status).toBe(500);
    expect(body.error).toMatchObject({
      code: 'lesson-setup-failed',
      message: expect.stringMatching(/could not be set up.*assets.*Try again/s) as string,
    });
    expect(registry.size).toBe(0);
  });
});

describe('LessonRuntime records', () => {
  it('die with their session', async () => {
    const loaded = await loadScenario(scenarios, 'runtime-demo');
    if (!loaded.ok) throw new Error('fixture did not load');
    const runtime = new LessonRuntime(scenarios);
    const session = await registry.create('runtime-demo', 'records-test');
    await runtime.start(session, loaded.scenario);
    await runtime.open(session, loaded.scenario, 1);
    expect(runtime.size).toBe(1);
    await registry.end(session.id);
    expect(runtime.size).toBe(0);
    expect(await runtime.states(session)).toEqual({});
  });
});
