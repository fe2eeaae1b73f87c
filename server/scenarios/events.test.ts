import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScenarioEvents } from './events';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nestbox-events-'));
  await mkdir(join(dir, 'demo'));
  await mkdir(join(dir, 'other'));
  await symlink(join(dir, 'other'), join(dir, 'linked'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const decoder = new TextDecoder();

/** Reads the stream until `text` has arrived, or fails after a second. */
async function readUntil(response: Response, text: string): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error('no body');
  let received = '';
  const deadline = Date.now() + 1000;
  while (!received.includes(text) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) => setTimeout(resolve, deadline - Date.now())),
    ]);
    if (chunk === undefined || chunk.done) break;
    received += decoder.decode(chunk.value);
  }
  reader.releaseLock();
  return received;
}

describe('ScenarioEvents', () => {
  it('streams a change of the scenario folder', async () => {
    const events = new ScenarioEvents(dir);
    const abort = new AbortController();
    const response = await events.open('demo', abort.signal);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await readUntil(response, ': watching')).toContain(': watching');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writeFile(join(dir, 'demo/index.json'), '{}');
    expect(await readUntil(response, 'data: changed')).toContain('data: changed');
    abort.abort();
    expect(events.counts).toEqual({ streams: 0, watchers: 0 });
  });

  it('ends the streams of a folder that is replaced, and watches the new one on reconnect', async () => {
    await mkdir(join(dir, 'moving'));
    const events = new ScenarioEvents(dir);
    const first = await events.open('moving', new AbortController().signal);
    await readUntil(first, ': watching');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(join(dir, 'moving'), { recursive: true });
    await mkdir(join(dir, 'moving'));
    expect(await readUntil(first, 'data: changed')).toContain('data: changed');
    expect(events.counts).toEqual({ streams: 0, watchers: 0 });
    const second = await events.open('moving', new AbortController().signal);
    await readUntil(second, ': watching');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writeFile(join(dir, 'moving/index.json'), '{}');
    expect(await readUntil(second, 'data: changed')).toContain('data: changed');
  });

  it.each(['missing', 'linked', '..', 'Demo', 'demo%2F..'])(
    'answers 404 for the slug %s and holds nothing open',
    async (slug) => {
      const events = new ScenarioEvents(dir);
      const response = await events.open(slug, new AbortController().signal);
      expect(response.status).toBe(404);
      expect(events.counts).toEqual({ streams: 0, watchers: 0 });
    },
  );

  it('shares one watcher per scenario, caps streams overall, and frees them on disconnect', async () => {
    const events = new ScenarioEvents(dir, 3);
    const tabs = [new AbortController(), new AbortController(), new AbortController()];
    const slugs = ['demo', 'demo', 'other'];
    for (const [index, tab] of tabs.entries()) {
      expect((await events.open(slugs[index] ?? 'demo', tab.signal)).status).toBe(200);
    }
    expect(events.counts).toEqual({ streams: 3, watchers: 2 });
    const refused = await events.open('demo', new AbortController().signal);
    expect(refused.status).toBe(503);
    tabs[0]?.abort();
    expect(events.counts).toEqual({ streams: 2, watchers: 2 });
    tabs[1]?.abort();
    expect(events.counts).toEqual({ streams: 1, watchers: 1 });
    expect((await events.open('demo', new AbortController().signal)).status).toBe(200);
  });

  it('frees a stream the reader cancels', async () => {
    const events = new ScenarioEvents(dir, 1);
    const response = await events.open('demo', new AbortController().signal);
    await response.body?.cancel();
    expect(events.counts).toEqual({ streams: 0, watchers: 0 });
  });

  it('frees at once a request that was already aborted', async () => {
    const events = new ScenarioEvents(dir);
    const abort = new AbortController();
    abort.abort();
    await events.open('demo', abort.signal);
    expect(events.counts).toEqual({ streams: 0, watchers: 0 });
  });
});
