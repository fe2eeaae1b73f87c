import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  formatCatalogLocation,
  loadCatalog,
  loadCourses,
  loadScenario,
  readFolder,
  scenariosDir,
} from './catalog';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nestbox-catalog-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(path: string, content: string): Promise<void> {
  const absolute = join(dir, path);
  await mkdir(dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

function index(title: string, stepText = 'step1/text.md'): string {
  return JSON.stringify(
    {
      title,
      description: `About ${title}`,
      details: {
        intro: { text: 'intro.md' },
        steps: [{ title: 'One', text: stepText }],
      },
    },
    null,
    2,
  );
}

async function writeScenario(slug: string, title: string): Promise<void> {
  await write(`${slug}/index.json`, index(title));
  await write(`${slug}/intro.md`, `# ${title}`);
  await write(`${slug}/step1/text.md`, 'Do it.');
}

describe('loadCatalog', () => {
  it('loads valid folders sorted by slug and reports broken ones', async () => {
    await writeScenario('zeta', 'Zeta');
    await writeScenario('alpha', 'Alpha');
    await write('broken/index.json', '{\n  "title": "Broken",\n');
    await write('Bad_Name/index.json', index('Bad'));
    await write('README.md', 'not a scenario');

    const catalog = await loadCatalog(dir);
    expect(catalog.dir).toBe(resolve(dir));
    expect(catalog.scenarios.map((s) => s.slug)).toEqual(['alpha', 'zeta']);
    expect(catalog.scenarios[0]?.steps[0]?.markdown).toBe('Do it.');
    expect(catalog.errors.map(formatCatalogLocation)).toEqual(['Bad_Name', 'broken/index.json:3']);
  });

  it('reports a step file that is missing', async () => {
    await writeScenario('alpha', 'Alpha');
    await rm(join(dir, 'alpha/step1/text.md'));
    const catalog = await loadCatalog(dir);
    expect(catalog.scenarios).toEqual([]);
    expect(catalog.errors).toEqual([
      {
        folder: 'alpha',
        file: 'index.json',
        line: 11,
        message: expect.stringContaining('step1/text.md') as unknown,
      },
    ]);
  });

  it('reads only .json, .md and .sh files and ignores symlinks', async () => {
    const huge = 'x'.repeat(1024 * 1024 + 1);
    await writeScenario('alpha', 'Alpha');
    await write('alpha/image.png', huge); // skipped unread, so its size is no problem
    await write('alpha/notes/big.md', huge); // read, and too big
    await write('outside/secret.md', 'secret');
    await write('beta/index.json', index('Beta', 'linked.md'));
    await write('beta/intro.md', 'hi');
    await symlink(join(dir, 'outside/secret.md'), join(dir, 'beta/linked.md'));

    const catalog = await loadCatalog(dir);
    const messages = catalog.errors.map((e) => `${formatCatalogLocation(e)} ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^alpha\/notes\/big.md The file is 1048577 bytes/),
      expect.stringMatching(/^beta\/index.json:11 .*no such file/),
      expect.stringMatching(/^outside\/index.json:1 .*no index.json/),
    ]);
  });

  it('reports a missing scenarios directory instead of throwing', async () => {
    const catalog = await loadCatalog(join(dir, 'nope'));
    expect(catalog.scenarios).toEqual([]);
    expect(catalog.errors[0]?.message).toMatch(/does not exist.*NESTBOX_SCENARIOS_DIR/);
  });
});

describe('loadScenario', () => {
  it('loads one scenario by slug', async () => {
    await writeScenario('alpha', 'Alpha');
    const result = await loadScenario(dir, 'alpha');
    expect(result.ok && result.scenario.title).toBe('Alpha');
  });

  it('treats unknown and unsafe slugs as not found without touching the disk', async () => {
    await writeScenario('alpha', 'Alpha');
    await write('inner/index.json', index('Inner'));
    for (const slug of ['missing', '..', '../alpha', 'alpha/..', '.', '', 'ALPHA', '%2e%2e']) {
      expect(await loadScenario(join(dir, 'inner'), slug), slug).toEqual({
        ok: false,
        reason: 'not-found',
      });
    }
  });

  it('lists every file for links and assets, dot-files only inside assets/', async () => {
    await writeScenario('alpha', 'Alpha');
    await write('alpha/step1/diagram.png', 'png');
    await write('alpha/assets/.bashrc', 'alias ll="ls -l"');
    await write('alpha/.editor-backup.md', 'x');
    const result = await loadScenario(dir, 'alpha');
    expect(result.ok && result.scenario.files).toEqual([
      'assets/.bashrc',
      'index.json',
      'intro.md',
      'step1/diagram.png',
      'step1/text.md',
    ]);
  });

  it('passes the parser’s warnings along with a valid scenario', async () => {
    await writeScenario('alpha', 'Alpha');
    await write('alpha/index.json', index('Alpha').replace('"title"', '"titel": "x",\n  "title"'));
    const result = await loadScenario(dir, 'alpha');
    expect(
      result.ok && result.warnings.map((w) => `${formatCatalogLocation(w)} ${w.message}`),
    ).toEqual([expect.stringMatching(/^alpha\/index.json:2 .*did you mean "title"\?/)]);
  });

  it('returns the errors of an invalid scenario', async () => {
    await write('alpha/index.json', '{}');
    const result = await loadScenario(dir, 'alpha');
    expect(result.ok).toBe(false);
    if (result.ok || result.reason !== 'invalid') return;
    expect(result.errors.map((e) => e.line)).toEqual([1]);
  });
});

describe('loadCourses', () => {
  it('reads structure.json, then *-pathway.json files by name, and reports broken ones', async () => {
    await write('structure.json', JSON.stringify({ title: 'First', items: [{ path: 'a' }] }));
    await write('b-pathway.json', JSON.stringify({ title: 'B', courses: [{ course_id: 'b' }] }));
    await write('a-pathway.json', '{"title": "A",\n"courses": []}');
    await write('notes.json', '{}');
    const { courses, errors } = await loadCourses(dir);
    expect(courses).toEqual([
      { title: 'First', description: '', slugs: ['a'], lines: [1], file: 'structure.json' },
      { title: 'B', description: '', slugs: ['b'], lines: [1], file: 'b-pathway.json' },
    ]);
    expect(errors.map(formatCatalogLocation)).toEqual(['a-pathway.json:2']);
  });

  it('finds no course in a missing directory', async () => {
    expect(await loadCourses(join(dir, 'nope'))).toEqual({ courses: [], errors: [] });
  });
});

describe('scenariosDir', () => {
  it('defaults to ./scenarios under the working directory', () => {
    expect(scenariosDir({})).toBe(resolve(process.cwd(), 'scenarios'));
    expect(scenariosDir({ NESTBOX_SCENARIOS_DIR: '' })).toBe(resolve(process.cwd(), 'scenarios'));
  });

  it('honours NESTBOX_SCENARIOS_DIR', () => {
    expect(scenariosDir({ NESTBOX_SCENARIOS_DIR: '/srv/lessons' })).toBe('/srv/lessons');
  });
});

describe('readFolder limits', () => {
  it('reads asset trees eight folders deep and names a deeper folder once', async () => {
    await write('deep/assets/a/b/c/d/e/f/g/ok.txt', 'x');
    await write('deep/assets/a/b/c/d/e/f/g/h/lost.txt', 'x');
    const read = await readFolder('deep', join(dir, 'deep'));
    expect(read.paths).toEqual(['assets/a/b/c/d/e/f/g/ok.txt']);
    expect(read.errors.map(formatCatalogLocation)).toEqual(['deep/assets/a/b/c/d/e/f/g/h']);
  });

  it('stops at the total size of the text files, and says so once', async () => {
    const chunk = 'x'.repeat(1000 * 1000);
    for (let index = 0; index < 12; index++) await write(`big/part${index}.md`, chunk);
    await write('big/sub/more.md', chunk);
    const read = await readFolder('big', join(dir, 'big'));
    expect(read.files.size).toBe(8);
    expect(read.errors).toHaveLength(1);
    expect(read.errors[0]?.message).toMatch(/add up to more than 8388608 bytes/);
  });

  it('stops at the number of files and folders, and says so once', async () => {
    await Promise.all(
      Array.from({ length: 2100 }, (_, index) =>
        mkdir(join(dir, 'many', `d${index}`), { recursive: true }),
      ),
    );
    const read = await readFolder('many', join(dir, 'many'));
    expect(read.errors.map((error) => error.message)).toEqual([
      'More than 2000 files and folders; the rest were ignored.',
    ]);
  });

  it('refuses a course file too large to be a course', async () => {
    await writeFile(join(dir, 'structure.json'), ' '.repeat(2 * 1024 * 1024));
    const { errors } = await loadCourses(dir);
    expect(errors.map(formatCatalogLocation)).toEqual(['structure.json']);
    expect(errors[0]?.message).toMatch(/limit is 1048576/);
  });
});
