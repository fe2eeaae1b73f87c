import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `nestbox scenario check`, as an author runs it: no root, no sandbox. */
function check(...paths: string[]) {
  return spawnSync(process.execPath, ['bin/nestbox.mjs', 'scenario', 'check', ...paths], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nestbox-cli-check-'));
  await mkdir(join(dir, 'typo'));
  await writeFile(
    join(dir, 'typo/index.json'),
    '{\n  "title": "Typo",\n  "details": {\n    "intro": { "text": "intro.md" },\n    "steps": [{ "title": "One", "txt": "step1.md" }]\n  }\n}\n',
  );
  await writeFile(join(dir, 'typo/intro.md'), 'Hi');
  await mkdir(join(dir, 'warned'));
  await writeFile(
    join(dir, 'warned/index.json'),
    '{\n  "title": "Warned",\n  "titel": "typo",\n  "details": { "steps": [{ "text": "step1.md" }] }\n}\n',
  );
  await writeFile(join(dir, 'warned/intro.md'), 'Hi');
  await writeFile(join(dir, 'warned/step1.md'), 'Do it.');
  await mkdir(join(dir, 'order'));
  await writeFile(
    join(dir, 'order/index.json'),
    '{\n  "title": "Order",\n  "descripton": "typo",\n  "details": { "steps": [{ "text": "gone.md" }] }\n}\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nestbox scenario check', () => {
  it('passes the fixtures and says how many it checked', () => {
    const result = check('server/scenarios/fixtures');
    expect(result.stdout.trim()).toBe('Checked 7 scenarios: 0 errors, 0 warnings.');
    expect(result.status).toBe(0);
  });

  it('prints path:line: error|warning: message and exits 1 on errors', () => {
    const result = check(join(dir, 'typo'));
    const index = relative(process.cwd(), join(dir, 'typo/index.json'));
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      `${index}:5: error: Step 1 needs a "text" naming its markdown file, for example "text": "step1/text.md" (without one, Nestbox looks for step1/text.md or step1.md, and neither exists).`,
      `${index}:5: warning: Step 1 has an unknown key "txt", which is ignored; did you mean "text"?`,
      'Checked 1 scenario: 1 error, 1 warning.',
    ]);
    expect(result.status).toBe(1);
  });

  it('exits 0 when there are only warnings', () => {
    const result = check(join(dir, 'warned'));
    expect(result.stdout).toMatch(/index.json:3: warning: index.json has an unknown key "titel"/);
    expect(result.stdout).toMatch(/Checked 1 scenario: 0 errors, 1 warning.$/m);
    expect(result.status).toBe(0);
  });

  it('prints errors and warnings in file and line order', () => {
    const result = check(join(dir, 'order'));
    const index = relative(process.cwd(), join(dir, 'order/index.json'));
    expect(
      result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(': ', 2).join(': ')),
    ).toEqual([
      `${index}:3: warning`,
      `${index}:4: error`,
      'Checked 1 scenario: 1 error, 1 warning.',
    ]);
  });

  it('says which path is not a folder and exits 2, a usage mistake', () => {
    const missing = join(dir, 'missing');
    const result = check(join(dir, 'typo'), missing, 'package.json');
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      `nestbox: ${missing} is not a folder; give a scenario folder (with index.json) or a folder of scenarios.`,
      'nestbox: package.json is not a folder; give a scenario folder (with index.json) or a folder of scenarios.',
    ]);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
  });
});
