import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveScenarioImage } from './images';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nestbox-images-'));
  const write = async (path: string, content: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  };
  await write('demo/index.json', '{}');
  await write('demo/step1/diagram.png', 'PNG');
  await write('demo/assets/logo.svg', '<svg/>');
  await write('demo/assets/.hidden.png', 'hidden');
  await write('demo/.secret.png', 'secret');
  await write('demo/notes.txt', 'text');
  await write('other/secret.png', 'other');
  await write('outside.png', 'outside');
  await symlink(join(dir, 'outside.png'), join(dir, 'demo/linked.png'));
  await symlink(join(dir, 'other'), join(dir, 'demo/linked-dir'));
  await symlink(join(dir, 'other'), join(dir, 'linked-slug'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const serve = (slug: string, path: string) => serveScenarioImage(dir, slug, path.split('/'));

describe('serveScenarioImage', () => {
  it('serves an image of the scenario folder with its type and a strict policy', async () => {
    const response = await serve('demo', 'step1/diagram.png');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('PNG');
    const svg = await serve('demo', 'assets/logo.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('content-security-policy')).toMatch(/default-src 'none'.*sandbox/);
  });

  it.each([
    ['demo', '../outside.png'],
    ['demo', '../other/secret.png'],
    ['demo', 'step1/../../outside.png'],
    ['demo', './step1/diagram.png'],
    ['demo', '/etc/passwd.png'],
    ['demo', 'step1//diagram.png'],
    ['..', 'outside.png'],
    ['demo/..', 'outside.png'],
    ['Demo', 'step1/diagram.png'],
    ['demo', 'index.json'],
    ['demo', 'notes.txt'],
    ['demo', '.secret.png'],
    ['demo', 'linked.png'],
    ['demo', 'linked-dir/secret.png'],
    ['demo', 'missing.png'],
    ['demo', 'step1\\..\\..\\outside.png'],
    // Next hands the route decoded segments; these are what arrives when it does not.
    ['demo', '%2e%2e/outside.png'],
    ['demo', '..%2Foutside.png'],
    ['demo', 'step1/diagram.png\0.png'],
    ['demo', 'step1\0/diagram.png'],
    ['linked-slug', 'secret.png'],
  ])('answers 404 for %s / %s', async (slug, path) => {
    const response = await serve(slug, path);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('Not found');
  });

  it('serves dot-files inside assets/, which may be meant for the sandbox', async () => {
    expect((await serve('demo', 'assets/.hidden.png')).status).toBe(200);
  });
});
