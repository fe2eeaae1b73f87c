import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchFolder } from './watch';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nestbox-watch-'));
  await mkdir(join(dir, 'step1'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchFolder', () => {
  it('reports a burst of changes, in subfolders too, once', async () => {
    let calls = 0;
    const stop = watchFolder(dir, () => {
      calls++;
    });
    await settle(50);
    await writeFile(join(dir, 'step1/text.md'), 'one');
    await writeFile(join(dir, 'step1/text.md'), 'two');
    await writeFile(join(dir, 'index.json'), '{}');
    await settle(400);
    expect(calls).toBe(1);
    stop();
    await writeFile(join(dir, 'index.json'), '{"a":1}');
    await settle(300);
    expect(calls).toBe(1);
  });

  it('watches nothing, quietly, when the folder does not exist', () => {
    const stop = watchFolder(join(dir, 'missing'), () => undefined);
    expect(stop).not.toThrow();
  });

  /** Watches `folder`, noting each call in order. */
  async function record(folder: string): Promise<{ calls: string[]; stop: () => void }> {
    const calls: string[] = [];
    const stop = watchFolder(
      folder,
      () => calls.push('changed'),
      () => calls.push('gone'),
    );
    await settle(50);
    return { calls, stop };
  }

  it('reports a deleted folder as gone, once, and nothing after', async () => {
    const folder = join(dir, 'step1');
    const { calls, stop } = await record(folder);
    await rm(folder, { recursive: true });
    await settle(400);
    await mkdir(folder);
    await writeFile(join(folder, 'text.md'), 'back');
    await settle(400);
    expect(calls).toEqual(['gone']);
    stop();
  });

  it('reports a folder replaced by another of the same name as gone', async () => {
    const folder = join(dir, 'step1');
    await mkdir(join(dir, 'fresh'));
    const { calls, stop } = await record(folder);
    await rm(folder, { recursive: true });
    await rename(join(dir, 'fresh'), folder);
    await settle(400);
    expect(calls).toEqual(['gone']);
    stop();
  });
});
