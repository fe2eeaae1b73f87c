import { describe, expect, it } from 'vitest';
import { parseScenario } from './index';
import { lintScenario } from './lint';
import type { Scenario } from './index';

const INDEX = JSON.stringify(
  {
    title: 'Lint me',
    details: {
      intro: { text: 'intro.md', background: 'setup.sh' },
      steps: [
        { title: 'One', text: 'step1/text.md', verify: 'step1/verify.sh', solve: 'step1/solve.sh' },
        { title: 'Two', text: 'step2/text.md', verify: 'step2/verify.sh' },
      ],
    },
  },
  null,
  2,
);

function scenario(files: Record<string, string>, paths: string[] = []): Scenario {
  const map = new Map(
    Object.entries({
      'index.json': INDEX,
      'intro.md': '# Hi\n\n![logo](assets/logo.png)',
      'setup.sh': 'true',
      'step1/text.md': 'Do it.',
      'step1/verify.sh': 'true',
      'step1/solve.sh': 'true',
      'step2/text.md': 'Two',
      'step2/verify.sh': 'true',
      ...files,
    }),
  );
  const result = parseScenario('lint-me', map, [...map.keys(), 'assets/logo.png', ...paths]);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.scenario;
}

const ALL_EXECUTABLE = new Set([
  'setup.sh',
  'step1/verify.sh',
  'step1/solve.sh',
  'step2/verify.sh',
]);

describe('lintScenario', () => {
  it('passes a clean scenario, warning only about a check that cannot be proven', () => {
    const result = lintScenario({ scenario: scenario({}), executable: ALL_EXECUTABLE });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      {
        file: 'index.json',
        line: 15,
        message: expect.stringMatching(
          /Step 2 has a verify script but no solve script.*"step2\/solve.sh"/,
        ) as unknown,
      },
    ]);
  });

  it('reports scripts that are not executable, with the chmod that fixes them', () => {
    const executable = new Set(['step1/verify.sh', 'step1/solve.sh']);
    const result = lintScenario({ scenario: scenario({}), executable });
    expect(result.errors.map((error) => `${error.file}:${error.line}`)).toEqual([
      'setup.sh:1',
      'step2/verify.sh:1',
    ]);
    expect(result.errors[0]?.message).toMatch(/chmod \+x setup.sh$/);
  });

  it('reports an empty step as an error and an empty intro as a warning', () => {
    const result = lintScenario({
      scenario: scenario({ 'step1/text.md': '  \n', 'intro.md': '' }),
      executable: ALL_EXECUTABLE,
    });
    expect(result.errors).toEqual([
      {
        file: 'step1/text.md',
        line: 1,
        message: expect.stringMatching(/^Step 1 \("One"\) has no text/) as unknown,
      },
    ]);
    expect(result.warnings[0]).toMatchObject({ file: 'intro.md', line: 1 });
  });

  it('reports broken image links and non-images at their lines, and traffic placeholders', () => {
    const result = lintScenario({
      scenario: scenario({
        'step1/text.md':
          'Look:\n\n![a](missing.png)\n\n![b](../setup.sh)\n\nOpen {{TRAFFIC_HOST1_80}}.',
      }),
      executable: ALL_EXECUTABLE,
    });
    expect(result.errors.map((error) => [error.file, error.line, error.message])).toEqual([
      [
        'step1/text.md',
        3,
        expect.stringMatching(/"missing.png" does not exist \(looked for step1\/missing.png\)/),
      ],
      ['step1/text.md', 5, expect.stringMatching(/is not one; use a .png/)],
    ]);
    expect(result.warnings).toContainEqual({
      file: 'step1/text.md',
      line: 7,
      message: expect.stringMatching(/TRAFFIC_HOST1_80.*cannot open yet/) as unknown,
    });
  });

  it('warns about a scenario without steps, and about its empty intro', () => {
    const parsed = parseScenario('bare', new Map([['index.json', '{"title": "Bare"}']]));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const result = lintScenario({ scenario: parsed.scenario, executable: new Set() });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => [warning.file, warning.line, warning.message])).toEqual(
      [
        ['index.json', 1, expect.stringMatching(/^The scenario has no steps/)],
        ['intro.md', 1, expect.stringMatching(/^The intro \("Introduction"\) has no text/)],
      ],
    );
  });
});
