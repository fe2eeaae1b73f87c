import { describe, expect, it } from 'vitest';
import { parseJson } from './json';
import { isValidSlug, parseScenario } from './index';
import type { ParseResult, ScenarioError } from './index';

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

  it('reports a missing step title at the line of that step', () => {
    const index = VALID_INDEX.replace('"title": "Look around", ', '');
    const errors = errorsOf(parseScenario('hello', folder(index)));
    expect(errors).toEqual([
      {
        file: 'index.json',
        line: 9,
        message: expect.stringMatching(/^Step 1 needs a "title"/) as unknown,
      },
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

  it('requires at least one step', () => {
    const index = JSON.stringify({
      title: 't',
      details: { intro: { text: 'intro.md' }, steps: [] },
    });
    expect(errorsOf(parseScenario('hello', folder(index)))[0]?.message).toMatch(/is empty/);
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
  it('accepts lowercase words joined by dashes', () => {
    expect(isValidSlug('hello-sandbox')).toBe(true);
    expect(isValidSlug('k8s-101')).toBe(true);
  });

  it('rejects anything that could escape a folder or look odd in a URL', () => {
    for (const slug of ['', '..', '.hidden', '-x', 'Hello', 'a/b', 'a_b', 'a b', 'x'.repeat(65)]) {
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
