import { toHtml } from 'hast-util-to-html';
import { describe, expect, it } from 'vitest';
import { markdownReferences } from './references';
import { renderLesson } from './render';

const CONTEXT = {
  slug: 'demo',
  file: 'step1/text.md',
  files: ['step1/text.md', 'step1/diagram.png', 'assets/logo.svg', 'assets/setup.sh'],
};

function html(markdown: string): string {
  return toHtml(renderLesson(markdown, CONTEXT));
}

describe('code actions', () => {
  it('turns a Killercoda {{exec}} block into a pre with data attributes and Run and Copy buttons', () => {
    const out = html('```bash\nls -la\n```{{exec}}');
    expect(out).toContain(
      '<pre data-action="exec" data-target="1" data-interrupt="false" data-newline="true" data-ctrl-seq="false">',
    );
    expect(out).toMatch(/<button type="button" data-button="exec"[^>]*>Run<\/button>/);
    expect(out).toMatch(/<button type="button" data-button="copy"/);
  });

  it.each([
    [
      '```\nyes\n```{{exec interrupt}}',
      'data-target="1" data-interrupt="true" data-newline="true"',
    ],
    ['```\ntop\n```{{execute T2}}', 'data-target="2" data-interrupt="false"'],
    ['```\nyes\n```{{execute interrupt}}', 'data-interrupt="true"'],
    ['```\n^C\n```{{execute ctrl-seq}}', 'data-newline="false" data-ctrl-seq="true"'],
    ['```\necho -n\n```{{execute no-newline}}', 'data-newline="false" data-ctrl-seq="false"'],
  ])('reads %j', (markdown, attributes) => {
    expect(html(markdown)).toContain(attributes);
  });

  it('labels a Run button for another terminal with its number', () => {
    expect(html('```\ntop\n```{{execute T2}}')).toContain('>Run in terminal 2</button>');
  });

  it('gives {{copy}} blocks and plain blocks a Copy button only', () => {
    for (const markdown of ['```\nkubectl get pod\n```{{copy}}', '```\nplain\n```']) {
      const out = html(markdown);
      expect(out).toContain('<pre data-action="copy">');
      expect(out).not.toContain('data-button="exec"');
      expect(out).toContain('<span class="copy-idle">Copy</span>');
    }
  });

  it('makes inline code copyable by default, runnable with {{exec}}, and plain with {{}}', () => {
    const out = html('Try `hostname`{{exec}}, `id`{{copy}}, `x`{{}} and `y`.');
    expect(out).toMatch(
      /<code data-action="exec" data-target="1"[^>]*role="button"[^>]*>hostname<\/code>,/,
    );
    expect(out).toMatch(/<code data-action="copy" role="button" tabindex="0"[^>]*>id<\/code>/);
    expect(out).toContain('<code>x</code> and');
    expect(out).toMatch(/<code data-action="copy"[^>]*>y<\/code>/);
    expect(out).not.toContain('{{');
  });

  it('reads inline Katacoda actions', () => {
    const out = html('`top`{{execute T2}} and `^C`{{execute ctrl-seq}}');
    expect(out).toMatch(/data-target="2"[^>]*>top</);
    expect(out).toMatch(/data-ctrl-seq="true"[^>]*>\^C</);
  });

  it('leaves code in links and headings alone', () => {
    expect(html('[`ls`](https://example.com)')).toContain('<code>ls</code>');
    expect(html('## The `ls` command')).toContain('<code>ls</code>');
  });
});

describe('fenced code', () => {
  it('highlights syntax and marks the lines of ```yaml{2,5}', () => {
    const out = html('```yaml{2,3}\na: 1\nb: two\nc: 3\nd: 4\n```');
    expect(out).toContain('class="hljs language-yaml"');
    const lines = [...out.matchAll(/<span class="(code-line[^"]*)">/g)].map((match) => match[1]);
    expect(lines).toEqual([
      'code-line',
      'code-line highlighted',
      'code-line highlighted',
      'code-line',
    ]);
    expect(out).toContain('<span class="hljs-attr">b:</span> <span class="hljs-string">two</span>');
  });

  it('keeps an action and line highlights together, and ranges', () => {
    const out = html('```bash{1-2}\necho a\necho b\necho c\n```{{exec}}');
    expect(out).toContain('data-action="exec"');
    expect(out.match(/code-line highlighted/g)).toHaveLength(2);
  });

  it('clips highlight ranges to the block, however large they are written', () => {
    const ranges = Array.from({ length: 2000 }, (_, i) => `${i * 10_000}-${i * 10_000 + 9_999}`);
    const out = html(`\`\`\`bash{${ranges.join(',')}}\nls\npwd\n\`\`\``);
    expect(out.match(/code-line highlighted/g)).toHaveLength(2);
  });

  it('reads a closing fence followed by a long run of spaces in linear time', () => {
    const started = Date.now();
    const out = html(`\`\`\`\nls\n\`\`\`${' '.repeat(200_000)}x\n`);
    expect(out).toContain('<pre');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('splits highlighted spans that cross lines, keeping the text intact', () => {
    const tree = renderLesson('```python{2}\nx = """one\ntwo"""\n```', CONTEXT);
    const out = toHtml(tree);
    expect(out.match(/code-line/g)).toHaveLength(2);
    expect(out.replace(/<[^>]+>/g, '')).toContain('x = """one\ntwo"""\n');
  });
});

describe('sanitising', () => {
  it('keeps <details> solutions, with Markdown inside', () => {
    const out = html(
      '<details><summary>Solution</summary>\n\n```bash\nls\n```{{exec}}\n\n</details>',
    );
    expect(out).toMatch(/^<details><summary>Solution<\/summary>/);
    expect(out).toContain('data-action="exec"');
  });

  it('drops scripts, styles, event handlers and javascript: links', () => {
    const out = html(
      '<script>alert(1)</script><style>p{}</style>\n\n<div onclick="x()" style="color:red" class="evil">text</div>\n\n' +
        '<img src="https://example.com/a.png" onerror="alert(1)">\n\n[js](javascript:alert(1)) <iframe src="https://example.com"></iframe>',
    );
    expect(out).not.toMatch(/script|alert|onclick|onerror|style|class="evil"|iframe|javascript/);
    expect(out).toContain('text');
    expect(out).toContain('<a>js</a>');
  });

  it.each([
    '<a href="jAvAsCrIpT:alert(1)">a</a>',
    '<a href="&#106;avascript:alert(1)">b</a>',
    '<a href=" javascript:alert(1)">c</a>',
    '[d](<javascript:alert(1)>)',
    '![e](javascript:alert(1))',
    '<a href="data:text/html,<script>alert(1)</script>">f</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<svg onload=alert(1)><script>alert(1)</script></svg>',
    '<details open ontoggle=alert(1)><summary onclick=alert(1)>s</summary>x</details>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<input type=checkbox onfocus=alert(1) autofocus>',
    '<form action=https://evil.test><button formaction=x>go</button></form>',
    '<base href="https://evil.test/"><meta http-equiv="refresh" content="0">',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe><object data=x></object><embed src=x>',
    '<a href="https://ok.test" ping="https://evil.test" id="x" name="y">k</a>',
    '<img src=diagram.png srcset="https://evil.test 1x">',
  ])('renders %s without script, handlers, forms or foreign documents', (markdown) => {
    const out = html(markdown);
    expect(out).not.toMatch(
      /javascript:|data:|<(script|style|svg|math|iframe|object|embed|form|button|base|meta|link)\b|\s(on\w+|srcdoc|srcset|ping|id|name|autofocus|formaction)=/i,
    );
  });

  it('does not let raw HTML forge trusted markup', () => {
    const out = html(
      '<button data-button="exec">x</button> <pre data-action="exec"><code>rm</code></pre>',
    );
    expect(out).not.toContain('data-button="exec"');
    expect(out).toContain('<p>x </p>');
    expect(out).toContain('<pre data-action="copy"><code>rm</code></pre>');
  });
});

describe('links and images', () => {
  it('serves relative images from the scenario folder, relative to the page or the folder', () => {
    const out = html('![d](diagram.png) ![l](./assets/logo.svg)');
    expect(out).toContain('<img src="/scenario-assets/demo/step1/diagram.png" alt="d">');
    expect(out).toContain('<img src="/scenario-assets/demo/assets/logo.svg" alt="l">');
  });

  it('shows a note for a missing image or a file that is not an image', () => {
    expect(html('![x](nope.png)')).toContain('Missing image: step1/nope.png');
    expect(html('![x](../assets/setup.sh)')).toContain('Not an image: assets/setup.sh');
  });

  it('opens external links in a new tab and leaves external images', () => {
    const out = html('[site](https://example.com) ![i](https://example.com/i.png)');
    expect(out).toContain('target="_blank" rel="noopener noreferrer"');
    expect(out).toContain('src="https://example.com/i.png"');
  });

  it('turns {{TRAFFIC_HOST1_<port>}} into a visible "not supported yet" note, wherever it is', () => {
    const out = html(
      'Open {{TRAFFIC_HOST1_80}}, [the app]({{TRAFFIC_HOST1_8080}}) or {{TRAFFIC_SELECTOR}}.\n\n```\ncurl {{TRAFFIC_HOST1_80}}\n```',
    );
    expect(out.match(/class="lesson-note"/g)).toHaveLength(4);
    expect(out).toContain(
      'the app: opening a port of the sandbox in the browser is not supported yet',
    );
    expect(out).toContain('curl {{TRAFFIC_HOST1_80}}');
    expect(out).not.toContain('<a');
  });
});

describe('markdownReferences', () => {
  it('lists images and traffic placeholders with their lines', () => {
    expect(
      markdownReferences(
        '# T\n\n![a](a.png)\n\nOpen {{TRAFFIC_HOST1_80}}\n\n```\n![not](code.png)\n```{{exec}}',
      ),
    ).toEqual([
      { kind: 'image', url: 'a.png', line: 3 },
      { kind: 'traffic', url: '{{TRAFFIC_HOST1_80}}', line: 5 },
    ]);
  });
});
