import { describe, expect, it } from 'vitest';
import { parseScenario } from './index';
import type { ParseResult, Scenario, ScenarioError } from './index';

/** index.json pretty-printed, so a key's line is the line its text is on. */
function indexOf(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function lineOf(source: string, text: string): number {
  const index = source.split('\n').findIndex((line) => line.includes(text));
  if (index === -1) throw new Error(`${text} is not in index.json`);
  return index + 1;
}

const BASE_FILES = {
  'intro.md': '# Hi',
  'step1.md': 'One',
  'step2/text.md': 'Two',
  'finish.md': 'Bye',
};

function parse(
  index: unknown,
  files: Record<string, string> = {},
  paths: string[] = [],
): {
  result: ParseResult;
  source: string;
} {
  const source = indexOf(index);
  const map = new Map(Object.entries({ 'index.json': source, ...BASE_FILES, ...files }));
  return { result: parseScenario('demo', map, [...map.keys(), ...paths]), source };
}

function scenarioOf(result: ParseResult): Scenario {
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.scenario;
}

function errorsOf(result: ParseResult): ScenarioError[] {
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

const DETAILS = {
  intro: { text: 'intro.md' },
  steps: [
    { title: 'One', text: 'step1.md' },
    { title: 'Two', text: 'step2/text.md' },
  ],
};

describe('unknown keys', () => {
  it('warns at the line of each unknown key, suggesting the likely one', () => {
    const index = {
      titel: 'x',
      title: 'Demo',
      details: {
        intro: { text: 'intro.md', backgroud: 'x.sh' },
        steps: [{ title: 'One', text: 'step1.md', verfiy: 'v.sh' }],
        finsh: {},
      },
      backend: { imageId: 'ubuntu' },
      interface: { layot: 'terminal' },
      flavour: 'vanilla',
    };
    const { result, source } = parse(index);
    expect(result.ok).toBe(true);
    expect(result.warnings.map(({ line, message }) => [line, message])).toEqual([
      [
        lineOf(source, '"titel"'),
        expect.stringMatching(/unknown key "titel".*did you mean "title"\?/),
      ],
      [
        lineOf(source, '"flavour"'),
        expect.stringMatching(/unknown key "flavour".*Known keys here: title, description/),
      ],
      [lineOf(source, '"imageId"'), expect.stringMatching(/did you mean "imageid"\?/)],
      [lineOf(source, '"layot"'), expect.stringMatching(/did you mean "layout"\?/)],
      [lineOf(source, '"finsh"'), expect.stringMatching(/did you mean "finish"\?/)],
      [lineOf(source, '"backgroud"'), expect.stringMatching(/did you mean "background"\?/)],
      [
        lineOf(source, '"verfiy"'),
        expect.stringMatching(/^Step 1 has an unknown key "verfiy".*"verify"\?/),
      ],
    ]);
  });

  it('accepts the Katacoda keys Nestbox ignores without a warning', () => {
    const index = {
      id: 'demo',
      icon: 'fa-docker',
      pathwayTitle: 'P',
      private: 'true',
      files: ['app.py'],
      title: 'Demo',
      details: { ...DETAILS, intro: { text: 'intro.md', credits: 'Me' } },
      environment: { uilayout: 'terminal', uimessage1: 'hi', showdashboard: true, dashboards: [] },
    };
    expect(parse(index).result.warnings).toEqual([]);
  });

  it('warns about a key given twice', () => {
    const source =
      '{\n  "title": "a",\n  "title": "b",\n  "details": { "intro": { "text": "intro.md" }, "steps": [{ "title": "One", "text": "step1.md" }] }\n}';
    const result = parseScenario(
      'demo',
      new Map(Object.entries({ 'index.json': source, ...BASE_FILES })),
    );
    expect(scenarioOf(result).title).toBe('b');
    expect(result.warnings).toEqual([
      {
        file: 'index.json',
        line: 3,
        message: expect.stringMatching(/"title" twice; the last one wins/) as unknown,
      },
    ]);
  });
});

describe('Killercoda keys', () => {
  it('reads interface.layout and backend.imageid', () => {
    const { result } = parse({
      title: 'Demo',
      details: DETAILS,
      backend: { imageid: 'ubuntu' },
      interface: { layout: 'terminal' },
    });
    expect(scenarioOf(result)).toMatchObject({ imageId: 'ubuntu', layout: 'terminal' });
    expect(result.warnings).toEqual([]);
  });

  it('finds step text in stepN/text.md or stepN.md when index.json names none', () => {
    const { result } = parse({
      title: 'Demo',
      details: { intro: {}, steps: [{ title: 'One' }, { title: 'Two' }], finish: {} },
    });
    const scenario = scenarioOf(result);
    expect(scenario.intro.file).toBe('intro.md');
    expect(scenario.steps.map((step) => step.file)).toEqual(['step1.md', 'step2/text.md']);
    expect(scenario.finish?.file).toBe('finish.md');
  });

  it('says where it looked when a step has no text and no conventional file', () => {
    const { result, source } = parse({
      title: 'Demo',
      details: { intro: {}, steps: [{ title: 'One' }, { title: 'Three' }, {}] },
    });
    const third = source.split('\n').lastIndexOf('      {}') + 1;
    expect(errorsOf(result).map(({ line, message }) => [line, message])).toEqual([
      [
        third,
        expect.stringMatching(
          /^Step 3 needs a "text".*step3\/text.md or step3.md, and neither exists/,
        ),
      ],
    ]);
  });

  it('warns about an image id it has no image for, and about Kubernetes ids', () => {
    const unknown = parse({ title: 'Demo', details: DETAILS, backend: { imageid: 'ubuntuu' } });
    expect(unknown.result.ok).toBe(true);
    expect(unknown.result.warnings).toEqual([
      {
        file: 'index.json',
        line: lineOf(unknown.source, '"imageid"'),
        message: expect.stringMatching(
          /"ubuntuu", which Nestbox does not know.*Did you mean "ubuntu"\?/,
        ) as unknown,
      },
    ]);
    const kubernetes = parse({
      title: 'Demo',
      details: DETAILS,
      backend: { imageid: 'kubernetes-kubeadm-1node' },
    });
    expect(kubernetes.result.warnings[0]?.message).toMatch(/has no Kubernetes/);
  });

  it('warns about a layout that needs an editor', () => {
    const { result } = parse({ title: 'Demo', details: DETAILS, interface: { layout: 'ide' } });
    expect(result.warnings[0]?.message).toMatch(/layout "ide" needs an editor/);
  });

  it('warns about two steps with one title', () => {
    const { result, source } = parse({
      title: 'Demo',
      details: {
        intro: {},
        steps: [
          { title: 'Same', text: 'step1.md' },
          { title: 'same ', text: 'step2/text.md' },
        ],
      },
    });
    expect(result.warnings).toEqual([
      {
        file: 'index.json',
        line: lineOf(source, '"same "') - 1,
        message: expect.stringMatching(/Step 2 has the same title as step 1/) as unknown,
      },
    ]);
  });
});

describe('Katacoda aliases', () => {
  it('reads courseData as background, code as foreground, answer, uilayout and terminals', () => {
    const { result } = parse(
      {
        title: 'Demo',
        details: {
          intro: { text: 'intro.md', courseData: 'setup.sh', code: 'wait.sh' },
          steps: [
            { title: 'One', text: 'step1.md', answer: 'step1-answer.md' },
            { title: 'Two', text: 'step2/text.md' },
          ],
        },
        environment: {
          uilayout: 'terminal-terminal',
          terminals: [{ name: 'Terminal 2', target: 'host01', command: 'top' }, { name: 'Logs' }],
        },
      },
      { 'setup.sh': 'touch /tmp/ready', 'wait.sh': 'wait-for-it', 'step1-answer.md': 'Run `ls`.' },
    );
    const scenario = scenarioOf(result);
    expect(scenario.intro.scripts).toEqual({
      background: 'touch /tmp/ready',
      foreground: 'wait-for-it',
    });
    expect(scenario.intro.scriptFiles).toEqual({ background: 'setup.sh', foreground: 'wait.sh' });
    expect(scenario.steps[0]?.answer).toBe('Run `ls`.');
    expect(scenario.layout).toBe('terminal-terminal');
    expect(scenario.terminals).toEqual([{ name: 'Terminal 2', command: 'top' }, { name: 'Logs' }]);
    expect(result.warnings).toEqual([]);
  });

  it('prefers interface.layout over environment.uilayout', () => {
    const { result } = parse({
      title: 'Demo',
      details: DETAILS,
      interface: { layout: 'terminal' },
      environment: { uilayout: 'terminal-terminal' },
    });
    expect(scenarioOf(result).layout).toBe('terminal');
  });

  it('marks Katacoda-legacy verify scripts', () => {
    const { result } = parse({ title: 'Demo', details: DETAILS, katacodaLegacy: true });
    expect(scenarioOf(result).legacyVerify).toBe(true);
    const bad = parse({ title: 'Demo', details: DETAILS, katacodaLegacy: 'yes' });
    expect(errorsOf(bad.result)[0]).toMatchObject({ line: lineOf(bad.source, 'katacodaLegacy') });
  });

  it('reports a missing answer file at its line', () => {
    const { result, source } = parse({
      title: 'Demo',
      details: { intro: {}, steps: [{ title: 'One', text: 'step1.md', answer: 'nope.md' }] },
    });
    expect(errorsOf(result)).toEqual([
      {
        file: 'index.json',
        line: lineOf(source, '"answer"'),
        message: expect.stringMatching(
          /"answer" points at "nope.md", but the scenario folder has no such file/,
        ) as unknown,
      },
    ]);
  });

  it('warns about terminals on other machines and rejects a terminal list that is not a list', () => {
    const other = parse({
      title: 'Demo',
      details: DETAILS,
      environment: { terminals: [{ name: 'T', target: 'host02' }] },
    });
    expect(other.result.warnings[0]?.message).toMatch(/targets "host02"; Nestbox has one machine/);
    const bad = parse({ title: 'Demo', details: DETAILS, environment: { terminals: 'T2' } });
    expect(errorsOf(bad.result)[0]).toMatchObject({ line: lineOf(bad.source, '"terminals"') });
  });
});

describe('solve', () => {
  it('reads "solve", or stepN/solve.sh when index.json does not name one', () => {
    const { result } = parse(
      {
        title: 'Demo',
        details: {
          intro: {},
          steps: [
            { title: 'One', text: 'step1.md', verify: 'step1/verify.sh', solve: 'fix1.sh' },
            { title: 'Two', text: 'step2/text.md', verify: 'step2/verify.sh' },
          ],
        },
      },
      {
        'step1/verify.sh': 'v1',
        'fix1.sh': 's1',
        'step1/solve.sh': 'not used',
        'step2/verify.sh': 'v2',
        'step2/solve.sh': 's2',
      },
    );
    const [one, two] = scenarioOf(result).steps;
    expect(one?.scriptFiles).toEqual({ verify: 'step1/verify.sh', solve: 'fix1.sh' });
    expect(two?.scripts).toEqual({ verify: 'v2', solve: 's2' });
  });
});

describe('assets', () => {
  const assetFiles = [
    'assets/app.py',
    'assets/conf/nginx.conf',
    'assets/conf/.bashrc',
    'assets/bin/tool.sh',
  ];

  /** A scenario whose host01 assets are these, against `assetFiles`. */
  const withAssets = (host01: unknown[], others: Record<string, unknown[]> = {}) =>
    parse(
      { title: 'Demo', details: { ...DETAILS, assets: { host01, ...others } } },
      {},
      assetFiles,
    );

  it('matches globs in assets/ and copies each match into its target, as cp -r does', () => {
    const copies = (confTarget: string) => [
      { file: '*.py', target: '~/' },
      { file: 'conf', target: confTarget },
      { file: 'bin/*.sh', target: '~/bin', chmod: '+x' },
    ];
    // No ".." in targets, even one that would end up in an allowed folder.
    expect(withAssets(copies('/etc-copy/../tmp/x')).result.ok).toBe(false);
    const fixed = withAssets(copies('/tmp/x/'));
    expect(scenarioOf(fixed.result).assets).toEqual([
      {
        pattern: '*.py',
        target: '/root',
        matches: [{ path: 'app.py', files: [{ source: 'app.py', destination: '/root/app.py' }] }],
      },
      {
        pattern: 'conf',
        target: '/tmp/x',
        matches: [
          {
            path: 'conf',
            files: [
              { source: 'conf/.bashrc', destination: '/tmp/x/conf/.bashrc' },
              { source: 'conf/nginx.conf', destination: '/tmp/x/conf/nginx.conf' },
            ],
          },
        ],
      },
      {
        pattern: 'bin/*.sh',
        target: '/root/bin',
        chmod: '+x',
        matches: [
          {
            path: 'bin/tool.sh',
            files: [{ source: 'bin/tool.sh', destination: '/root/bin/tool.sh' }],
          },
        ],
      },
    ]);
  });

  it('accepts targets anywhere in the writable root, such as /usr/local/bin, /opt and /etc', () => {
    const { result } = withAssets([
      { file: 'bin/tool.sh', target: '/usr/local/bin', chmod: '+x' },
      { file: 'conf', target: '/opt/lab' },
      { file: 'app.py', target: '/etc/lab' },
      { file: 'app.py', target: '/' },
      // Only the kernel filesystems are refused, not names that begin like them.
      { file: 'app.py', target: '/devices' },
    ]);
    expect(scenarioOf(result).assets.map((asset) => asset.target)).toEqual([
      '/usr/local/bin',
      '/opt/lab',
      '/etc/lab',
      '/',
      '/devices',
    ]);
  });

  it('refuses a pattern longer than the limit at its line, however deep or wide its braces', () => {
    const deep = `${'{'.repeat(20_000)}app.py${'}'.repeat(20_000)}`;
    const wide = `{${Array(50_000).fill('app.py').join(',')}}`.repeat(2);
    const { result, source } = withAssets([
      { file: deep, target: '~/' },
      { file: wide, target: '~/' },
    ]);
    expect(errorsOf(result).map(({ line, message }) => [line, message])).toEqual([
      [lineOf(source, '{{{'), expect.stringMatching(/is 40006 characters long; .* at most 512/)],
      [lineOf(source, '{app.py,'), expect.stringMatching(/is 700002 characters long/)],
    ]);
    // The longest allowed one, nested or wide, is parsed at once.
    const nested = `${'{'.repeat(250)}app.py${'}'.repeat(250)}`;
    const braces = '{app.py,app.py,app.py,x}'.repeat(21);
    expect(scenarioOf(withAssets([{ file: nested, target: '~/' }]).result).assets).toHaveLength(1);
    expect(braces.length).toBeLessThanOrEqual(512);
    const unmatched = errorsOf(withAssets([{ file: braces, target: '~/' }]).result);
    expect(unmatched.map(({ message }) => message)).toEqual([
      expect.stringMatching(/matches no file/),
    ]);
  });

  it('reports each mistake at its line, and ignores other machines with a warning', () => {
    const { result, source } = withAssets(
      [
        { file: 'nothing-*.txt', target: '~/' },
        { file: 'app.py', target: '/proc/sys/kernel' },
        { file: 'app.py', target: '/dev' },
        { file: 'app.py', target: '~/', chmod: 'rwx' },
        { file: 'app.py' },
      ],
      { host02: [{ file: 'app.py', target: '~/' }] },
    );
    expect(errorsOf(result).map(({ line, message }) => [line, message])).toEqual([
      [lineOf(source, '"nothing-*.txt"'), expect.stringMatching(/matches no file in assets\//)],
      [
        lineOf(source, '"/proc/sys/kernel"'),
        expect.stringMatching(
          /\/proc\/sys\/kernel, in \/proc, the kernel's own filesystem.*"\/usr\/local\/bin"/,
        ),
      ],
      [lineOf(source, '"/dev"'), expect.stringMatching(/is \/dev, in \/dev, the kernel's own/)],
      [lineOf(source, '"rwx"'), expect.stringMatching(/chmod does not understand/)],
      [expect.any(Number), expect.stringMatching(/^Asset 5 needs a "target"/)],
    ]);
    expect(result.warnings[0]?.message).toMatch(/"host02".*one machine/);
  });
});
