import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCatalogLocation } from './catalog';
import { checkCourses, checkScenario, type CheckReport } from './check';

const FIXTURES = resolve('server/scenarios/fixtures');
const SCENARIOS = resolve('scenarios');

function located(report: CheckReport): { errors: string[]; warnings: string[] } {
  const format = (list: CheckReport['errors']) =>
    list.map((finding) => `${formatCatalogLocation(finding)} ${finding.message}`);
  return { errors: format(report.errors), warnings: format(report.warnings) };
}

describe('checkScenario on the shipped scenarios and fixtures', () => {
  it('finds nothing wrong with the Killercoda- and Katacoda-shaped fixtures', async () => {
    for (const name of [
      'killercoda-example',
      'killercoda-shapes',
      'katacoda-example',
      'round-trip',
    ]) {
      expect(located(await checkScenario(join(FIXTURES, name))), name).toEqual({
        errors: [],
        warnings: [],
      });
    }
  });

  it('finds no error in any lesson of scenarios/', async () => {
    const folders = (await readdir(SCENARIOS, { withFileTypes: true })).filter((entry) =>
      entry.isDirectory(),
    );
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      expect((await checkScenario(join(SCENARIOS, folder.name))).errors, folder.name).toEqual([]);
    }
  });

  it('finds no error in the courses of scenarios/ and of the fixtures', async () => {
    expect((await checkCourses(SCENARIOS)).errors).toEqual([]);
    expect((await checkCourses(FIXTURES)).errors).toEqual([]);
  });
});

describe('checkScenario on a broken folder', () => {
  let dir: string;
  const write = async (path: string, content: string, executable = false) => {
    const absolute = join(dir, path);
    await mkdir(dirname(absolute), { recursive: true });
    await writeFile(absolute, content);
    if (executable) await chmod(absolute, 0o755);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nestbox-check-'));
    await write(
      'broken/index.json',
      [
        '{',
        '  "title": "Broken",',
        '  "descripton": "typo",',
        '  "details": {',
        '    "intro": { "text": "intro.md" },',
        '    "steps": [',
        '      { "title": "One", "text": "step1.md", "verify": "step1/verify.sh" },',
        '      { "title": "One", "text": "step2.md", "verify": "step2/verify.sh", "solve": "step2/solve.sh" }',
        '    ]',
        '  },',
        '  "backend": { "imageid": "centos" }',
        '}',
      ].join('\n'),
    );
    await write('broken/intro.md', 'Hi ![logo](logo.png)');
    await write('broken/step1.md', '');
    await write('broken/step1/verify.sh', 'true');
    await write('broken/step2.md', 'Open {{TRAFFIC_HOST1_80}}\n\n![d](img/d.png)');
    await write('broken/step2/verify.sh', 'true', true);
    await write('broken/step2/solve.sh', 'true', true);
    await write(
      'missing-file/index.json',
      '{"title": "x", "details": {"intro": {"text": "nope.md"}, "steps": [{"title": "a", "text": "a.md"}]}}',
    );
    await write('courses/a/index.json', '{}');
    await write(
      'courses/k8s-pathway.json',
      '{"title": "K", "courses": [\n{"course_id": "a"},\n{"course_id": "zz"}]}',
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every problem with its file and line, errors apart from warnings', async () => {
    expect(located(await checkScenario(join(dir, 'broken')))).toEqual({
      errors: [
        expect.stringMatching(/^broken\/intro.md:1 The image "logo.png" does not exist/),
        expect.stringMatching(/^broken\/step1.md:1 Step 1 \("One"\) has no text/),
        expect.stringMatching(
          /^broken\/step1\/verify.sh:1 step1\/verify.sh is not executable.*chmod \+x step1\/verify.sh/,
        ),
        expect.stringMatching(/^broken\/step2.md:3 The image "img\/d.png" does not exist/),
      ],
      warnings: [
        expect.stringMatching(
          /^broken\/index.json:3 index.json has an unknown key "descripton".*did you mean "description"\?/,
        ),
        expect.stringMatching(
          /^broken\/index.json:7 Step 1 has a verify script but no solve script/,
        ),
        expect.stringMatching(/^broken\/index.json:8 Step 2 has the same title as step 1/),
        expect.stringMatching(
          /^broken\/index.json:11 "backend.imageid" is "centos", which Nestbox does not know/,
        ),
        expect.stringMatching(/^broken\/step2.md:1 \{\{TRAFFIC_HOST1_80\}\} links to a port/),
      ],
    });
  });

  it('reports a scenario that does not load with the parser’s errors', async () => {
    const report = located(await checkScenario(join(dir, 'missing-file')));
    expect(report.errors).toEqual([
      expect.stringMatching(/^missing-file\/index.json:1 The intro "text" points at "nope.md"/),
      expect.stringMatching(/^missing-file\/index.json:1 Step 1 "text" points at "a.md"/),
    ]);
  });

  it('reports a course item that names no scenario folder, at its line', async () => {
    expect(located(await checkCourses(join(dir, 'courses')))).toEqual({
      errors: [expect.stringMatching(/^k8s-pathway.json:3 "zz" is not a scenario folder/)],
      warnings: [],
    });
  });
});
