import { describe, expect, it } from 'vitest';
import { parseJson } from './json';
import { isValidSlug, parseScenario } from './index';
import type { ParseResult, Scenario, ScenarioError } from './index';

const VALID_INDEX = `{
  "title": "Your first sandbox",
  "description": "Look around a fresh Linux sandbox.",
  "difficulty": "beginner",
  "time": "5 minutes",
  "details": {
    "intro": { "text": "intro.md" },
    "steps": [
      { "title": "Look around", "text": "step1.md" },
      { "title": "Make a file", "text": "step2/text.md", "verify": "step2/verify.sh" }
    ],
    "finish": { "title": "Well done", "text": "finish.md" }
  },
  "backend": { "imageid": "ubuntu" }
}
`;

function folder(index: string, extra: Record<string, string> = {}): Map<string, string> {
  return new Map(
    Object.entries({
      'index.json': index,
      'intro.md': '# Hello',
      'step1.md': 'Run `hostname`.',
      'step2/text.md': 'Run `touch x`.',
      'finish.md': 'Bye.',
      'step2/verify.sh': 'test -f x',
      ...extra,
    }),
  );
}

function scenarioOf(result: ParseResult): Scenario {
  if (!result.ok) throw new Error(`expected a scenario: ${JSON.stringify(result.errors)}`);
  return result.scenario;
}

function errorsOf(result: ParseResult): ScenarioError[] {
  if (result.ok) throw new Error('expected the scenario to be rejected');
  return result.errors;
}

describe('parseScenario', () => {
  it('reads "resources": true on a page, and rejects a quoted value', () => {
    const withKey = VALID_INDEX.replace(
      '{ "title": "Look around", "text": "step1.md" }',
      '{ "title": "Look around", "text": "step1.md", "resources": true }',
    );
    const result = parseScenario('hello', folder(withKey));
    expect(result.ok && result.scenario.steps[0]?.resources).toBe(true);
    expect(result.ok && result.scenario.steps[1]?.resources).toBeUndefined();
    const quoted = withKey.replace('"resources": true', '"resources": "yes"');
    const errors = errorsOf(parseScenario('hello', folder(quoted)));
    expect(errors.map((error) => error.line)).toEqual([9]);
    expect(errors[0]?.message).toContain('must be true or false');
  });

  it('parses a valid scenario, including a step in stepN/text.md form', () => {
    const result = parseScenario('hello', folder(VALID_INDEX));
    expect(result).toEqual({
      ok: true,
      warnings: [],
      scenario: {
        slug: 'hello',
        title: 'Your first sandbox',
        description: 'Look around a fresh Linux sandbox.',
        difficulty: 'beginner',
        time: '5 minutes',
        imageId: 'ubuntu',
        terminals: [],
        assets: [],
        intro: {
          title: 'Introduction',
          file: 'intro.md',
          markdown: '# Hello',
          scripts: {},
          scriptFiles: {},
          line: 7,
        },
        steps: [
          {
            title: 'Look around',
            file: 'step1.md',
            markdown: 'Run `hostname`.',
            scripts: {},
            scriptFiles: {},
            line: 9,
          },
          {
            title: 'Make a file',
            file: 'step2/text.md',
            markdown: 'Run `touch x`.',
            scripts: { verify: 'test -f x' },
            scriptFiles: { verify: 'step2/verify.sh' },
            line: 10,
          },
        ],
        finish: {
          title: 'Well done',
          file: 'finish.md',
          markdown: 'Bye.',
          scripts: {},
          scriptFiles: {},
          line: 12,
        },
        legacyVerify: false,
        files: [
          'finish.md',
          'index.json',
          'intro.md',
          'step1.md',
          'step2/text.md',
          'step2/verify.sh',
        ],
      },
    });
  });

  it('accepts a minimal index.json without description, finish or backend', () => {
    const index = JSON.stringify({
      title: 'Minimal',
      details: { intro: { text: './intro.md' }, steps: [{ title: 'One', text: 'step1.md' }] },
    });
    const result = parseScenario('minimal', folder(index));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.scenario.description).toBe('');
    expect(result.scenario.finish).toBeUndefined();
    expect(result.scenario.difficulty).toBeUndefined();
    expect(result.scenario.intro.markdown).toBe('# Hello');
  });

  it('reports bad JSON with the line of the mistake', () => {
    // Line 5 lacks its comma; the parser notices at the next property, on line 6.
    const index = VALID_INDEX.replace('"time": "5 minutes",', '"time": "5 minutes"');
    const errors = errorsOf(parseScenario('hello', folder(index)));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'index.json', line: 6 });
    expect(errors[0]?.message).toMatch(/expected "," or "}" after the value of "time"/);
  });

  it('reports a trailing comma on its own line', () => {
    const index = '{\n  "title": "x",\n  "details": {},\n}\n';
    const errors = errorsOf(parseScenario('hello', folder(index)));
    expect(errors[0]).toMatchObject({ file: 'index.json', line: 4 });
    expect(errors[0]?.message).toMatch(/trailing comma/);
  });

  it('reports an unterminated string on the line where it starts', () => {
    const index = '{\n  "title": "x\n}\n';
    const errors = errorsOf(parseScenario('hello', folder(index)));
    expect(errors[0]).toMatchObject({ file: 'index.json', line: 2 });
    expect(errors[0]?.message).toMatch(/never closed/);
  });

  it('reports a missing title at the line of the object', () => {
    const index = VALID_INDEX.replace('"title": "Your first sandbox",\n', '');
    const errors = errorsOf(parseScenario('hello', folder(index)));
    expect(errors).toEqual([
      {
        file: 'index.json',
        line: 1,
        message: expect.stringMatching(/needs a "title"/) as unknown,
      },
    ]);
  });

  it('names a step without a title by its number, as Killercoda does', () => {
    const index = VALID_INDEX.replace('"title": "Look around", ', '');
    expect(scenarioOf(parseScenario('hello', folder(index))).steps[0]?.title).toBe('Step 1');
  });

  it("reports a step title that is not a string at that step's line", () => {
    const index = VALID_INDEX.replace('"title": "Look around"', '"title": 1');
    expect(errorsOf(parseScenario('hello', folder(index)))).toEqual([
      { file: 'index.json', line: 9, message: 'Step 1 "title" must be a string in double quotes.' },
    ]);
  });

  it('reports a missing step file at the line of its text field', () => {
    const files = folder(VALID_INDEX);
    files.delete('step2/text.md');
    const errors = errorsOf(parseScenario('hello', files));
    expect(errors).toEqual([
      {
        file: 'index.json',
        line: 10,
        message: expect.stringContaining('"step2/text.md"') as unknown,
      },
    ]);
  });

  it('reports every mistake at once', () => {
    const index = VALID_INDEX.replace('"title": "Your first sandbox",\n', '').replace(
      '"time": "5 minutes"',
      '"time": 5',
    );
    const files = folder(index);
    files.delete('intro.md');
    files.delete('step1.md');
    const lines = errorsOf(parseScenario('hello', files)).map((e) => e.line);
    expect(lines).toEqual([1, 4, 6, 8]);
  });

  it('refuses text paths that leave the scenario folder', () => {
    const index = VALID_INDEX.replace('"text": "step1.md"', '"text": "../other/step1.md"');
    const errors = errorsOf(parseScenario('hello', folder(index, { '../other/step1.md': 'x' })));
    expect(errors[0]).toMatchObject({ line: 9 });
    expect(errors[0]?.message).toMatch(/not inside the scenario folder/);
  });

  it('accepts a scenario without steps: a playground, the intro and a terminal', () => {
    const index = JSON.stringify({
      title: 't',
      details: { intro: { text: 'intro.md' }, steps: [] },
    });
    expect(scenarioOf(parseScenario('hello', folder(index))).steps).toEqual([]);
  });

  it('refuses, at the file, a page too long to render and a script too long for one argument', () => {
    const files = folder(VALID_INDEX, {
      'step1.md': 'é'.repeat(140 * 1024),
      'step2/verify.sh': `echo ${'x'.repeat(101 * 1024)}`,
    });
    expect(errorsOf(parseScenario('hello', files))).toEqual([
      {
        file: 'step1.md',
        line: 1,
        message: 'step1.md is 286720 bytes, more than 262144; split the page into steps.',
      },
      {
        file: 'step2/verify.sh',
        line: 1,
        message: expect.stringMatching(
          /^step2\/verify.sh is 103429 bytes, more than 102400; a script reaches the sandbox as one/,
        ) as unknown,
      },
    ]);
  });

  it('refuses more steps than any lesson needs, at the steps line', () => {
    const steps = Array.from({ length: 101 }, () => ({ text: 'step1.md' }));
    const index = `{\n"title": "t",\n"details": {\n"steps": ${JSON.stringify(steps)}}}`;
    expect(errorsOf(parseScenario('hello', folder(index)))).toEqual([
      {
        file: 'index.json',
        line: 4,
        message: expect.stringMatching(/has 101 steps; the limit is 100/) as unknown,
      },
    ]);
  });

  it("accepts Killercoda's smallest scenario, a title and an image id", () => {
    const index = '{"title": "Ubuntu simple", "backend": {"imageid": "ubuntu"}}';
    const scenario = scenarioOf(parseScenario('hello', new Map([['index.json', index]])));
    expect(scenario.steps).toEqual([]);
    expect(scenario.intro).toMatchObject({ title: 'Introduction', file: 'intro.md', markdown: '' });
    expect(scenario.finish).toBeUndefined();
  });

  it('reads intro.md without details.intro, and else shows the description as the intro', () => {
    const index = (description: string) =>
      JSON.stringify({
        title: 't',
        description,
        details: { steps: [{ title: 'One', text: 'step1.md' }] },
      });
    expect(scenarioOf(parseScenario('hello', folder(index('d')))).intro.markdown).toBe('# Hello');
    const files = folder(index('Create a file.'));
    files.delete('intro.md');
    expect(scenarioOf(parseScenario('hello', files)).intro).toMatchObject({
      title: 'Introduction',
      markdown: 'Create a file.',
      scripts: {},
    });
  });

  it('reports a missing index.json', () => {
    const errors = errorsOf(parseScenario('hello', new Map([['intro.md', 'x']])));
    expect(errors[0]).toMatchObject({ file: 'index.json', line: 1 });
  });

  it('rejects a root that is not an object', () => {
    const errors = errorsOf(parseScenario('hello', folder('\n[]')));
    expect(errors[0]).toMatchObject({ line: 2 });
  });
});

describe('isValidSlug', () => {
  it('accepts lowercase words joined by dashes or underscores, as Killercoda folders are', () => {
    expect(isValidSlug('hello-sandbox')).toBe(true);
    expect(isValidSlug('k8s-101')).toBe(true);
    expect(isValidSlug('twitch_sentinel_lab')).toBe(true);
  });

  it('rejects anything that could escape a folder or look odd in a URL', () => {
    for (const slug of [
      '',
      '..',
      '.hidden',
      '-x',
      '_x',
      'Hello',
      'a/b',
      'a.b',
      'a b',
      'x'.repeat(65),
    ]) {
      expect(isValidSlug(slug)).toBe(false);
    }
  });
});

describe('parseJson', () => {
  const samples = [
    '{}',
    '[]',
    '"\\u00e9\\n\\"q\\" \\/ \\\\"',
    '-0.5e+3',
    '{"a": [1, 2.5, true, false, null, {"b": "c"}], "a": 2}',
    '\uFEFF{"bom": 1}',
    ' \t\r\n 42 \n',
  ];

  function plain(value: ReturnType<typeof parseJson>): unknown {
    if (!value.ok) throw new Error(value.message);
    const strip = (v: typeof value.value): unknown => {
      switch (v.kind) {
        case 'object':
          return Object.fromEntries(v.members.map((m) => [m.key, strip(m.value)]));
        case 'array':
          return v.items.map(strip);
        case 'null':
          return null;
        default:
          return v.value;
      }
    };
    return strip(value.value);
  }

  it('agrees with JSON.parse on valid input', () => {
    for (const text of samples) {
      expect(plain(parseJson(text))).toEqual(JSON.parse(text.replace(/^\uFEFF/, '')));
    }
  });

  it('rejects what JSON.parse rejects', () => {
    const bad = [
      '',
      '{',
      '{"a" 1}',
      "{'a': 1}",
      '{a: 1}',
      '[1,]',
      '01',
      '1.',
      '"\\x"',
      '"tab\there"',
      'tru',
      '{} {}',
      '[',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text) as unknown, text).toThrow();
      expect(parseJson(text).ok, text).toBe(false);
    }
  });

  it('gives the line and column of a syntax error', () => {
    expect(parseJson('{\n  "a": 1\n  "b": 2\n}')).toMatchObject({ ok: false, line: 3, column: 3 });
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(parseJson('['.repeat(10_000)).ok).toBe(false);
  });
});

describe('step scripts', () => {
  const index = (step: Record<string, unknown>) =>
    JSON.stringify(
      {
        title: 'Scripts',
        details: {
          intro: { text: 'intro.md', courseData: 'setup.sh' },
          steps: [{ title: 'One', text: 'step1.md', ...step }],
        },
      },
      null,
      2,
    );

  it('reads verify, solve, background and foreground, and the Katacoda aliases', () => {
    const result = parseScenario(
      'scripts',
      new Map([
        [
          'index.json',
          index({ verify: 'step1/verify.sh', solve: 'step1/solve.sh', code: 'step1/fg.sh' }),
        ],
        ['intro.md', '# Hi'],
        ['step1.md', 'Do it'],
        ['setup.sh', 'touch /tmp/ready'],
        ['step1/verify.sh', 'test -f /tmp/x'],
        ['step1/solve.sh', 'touch /tmp/x'],
        ['step1/fg.sh', 'clear'],
      ]),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.scenario.intro.scripts).toEqual({ background: 'touch /tmp/ready' });
    expect(result.scenario.steps[0]?.scripts).toEqual({
      verify: 'test -f /tmp/x',
      solve: 'touch /tmp/x',
      foreground: 'clear',
    });
    expect(result.scenario.legacyVerify).toBe(false);
  });

  it('names the line of a script that does not exist', () => {
    const source = index({ verify: 'step1/verify.sh' });
    const result = parseScenario(
      'scripts',
      new Map([
        ['index.json', source],
        ['intro.md', '# Hi'],
        ['step1.md', 'Do it'],
        ['setup.sh', 'true'],
      ]),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = source.split('\n').findIndex((text) => text.includes('"verify"')) + 1;
    expect(result.errors).toEqual([
      {
        file: 'index.json',
        line,
        message: expect.stringMatching(/"verify" points at "step1\/verify.sh"/) as string,
      },
    ]);
  });
});
