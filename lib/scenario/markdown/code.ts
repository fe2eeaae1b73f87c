import type { Element, ElementContent, Properties, Root } from 'hast';
import { toString } from 'hast-util-to-string';
import { SKIP, visit } from 'unist-util-visit';
import { decodeAction, parseAction, type CodeAction } from '../code-actions';

/**
 * Trusted markup for code, added after sanitising: every block gets a Copy button (and a Run
 * button when it carries an exec action), inline code is click-to-copy unless written `x`{{}},
 * and `{2,5}` after a fence's language marks lines to highlight. The actions become data
 * attributes (`data-action`, `data-target`, `data-interrupt`, `data-newline`, `data-ctrl-seq`)
 * that the page's client code reads (app/learn/[slug]/LessonActions.tsx).
 */

const COPY: CodeAction = {
  kind: 'copy',
  terminal: 1,
  interrupt: false,
  newline: false,
  ctrlSeq: false,
};

function actionProperties(action: CodeAction): Properties {
  return action.kind === 'copy'
    ? { dataAction: 'copy' }
    : {
        dataAction: 'exec',
        dataTarget: String(action.terminal),
        dataInterrupt: String(action.interrupt),
        dataNewline: String(action.newline),
        dataCtrlSeq: String(action.ctrlSeq),
      };
}

function element(tagName: string, properties: Properties, children: ElementContent[]): Element {
  return { type: 'element', tagName, properties, children };
}

function text(value: string): ElementContent {
  return { type: 'text', value };
}

function describe(action: CodeAction): string {
  if (action.kind === 'copy') return 'Copy to the clipboard';
  const terminal = `terminal ${action.terminal}`;
  if (action.ctrlSeq) return `Send these keys to ${terminal}`;
  const enter = action.newline ? ' and press Enter' : '';
  return action.interrupt
    ? `Press Ctrl-C in ${terminal}, then type this${enter}`
    : `Type this into ${terminal}${enter}`;
}

function buttons(action: CodeAction): Element {
  const copy = element('button', { type: 'button', dataButton: 'copy', title: describe(COPY) }, [
    element('span', { className: ['copy-idle'] }, [text('Copy')]),
    element('span', { className: ['copy-done'], ariaHidden: 'true' }, [text('Copied')]),
  ]);
  if (action.kind === 'copy') return element('div', { className: ['code-buttons'] }, [copy]);
  const label = action.terminal > 1 ? `Run in terminal ${action.terminal}` : 'Run';
  const run = element('button', { type: 'button', dataButton: 'exec', title: describe(action) }, [
    text(label),
  ]);
  return element('div', { className: ['code-buttons'] }, [run, copy]);
}

/**
 * `{2,5}` or `{1-3,7}` anywhere in the meta string, as a set of 1-based line numbers. Ranges
 * are clipped to the block's `lineCount` lines, so `{1-999999999}` costs no more than the
 * block itself.
 */
function highlightedLines(meta: string, lineCount: number): Set<number> {
  const lines = new Set<number>();
  const spec = /\{([\d\s,-]+)\}/.exec(meta)?.[1];
  for (const part of spec?.split(',') ?? []) {
    const [from, to = from] = part.split('-').map((value) => Number(value.trim()));
    if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to))
      continue;
    for (let line = Math.max(from, 1); line <= Math.min(to, lineCount); line++) lines.add(line);
  }
  return lines;
}

type Line = ElementContent[];

/** Splits highlighted code into lines, cloning the spans a line break falls inside. */
function linesOf(node: ElementContent): Line[] {
  if (node.type === 'text') {
    return node.value.split('\n').map((part) => (part === '' ? [] : [text(part)]));
  }
  if (node.type !== 'element') return [[node]];
  return joinLines(node.children.map(linesOf)).map((line) =>
    line.length === 0 ? [] : [{ ...node, children: line }],
  );
}

function joinLines(parts: Line[][]): Line[] {
  const lines: Line[] = [[]];
  for (const part of parts) {
    for (const [index, line] of part.entries()) {
      if (index > 0) lines.push([]);
      lines[lines.length - 1]?.push(...line);
    }
  }
  return lines;
}

function markLines(code: Element, highlighted: ReadonlySet<number>): void {
  const lines = joinLines(code.children.map(linesOf));
  if (lines.at(-1)?.length === 0) lines.pop(); // the newline that ends the block
  code.children = lines.flatMap((line, index) => [
    element(
      'span',
      {
        className: highlighted.has(index + 1) ? ['code-line', 'highlighted'] : ['code-line'],
      },
      line,
    ),
    text('\n'),
  ]);
}

/** Fenced code: data attributes on the `pre`, line highlights, and the buttons beside it. */
export function rehypeCodeBlocks() {
  return (tree: Root): void => {
    visit(tree, 'element', (node, index, parent) => {
      if (node.tagName !== 'pre' || parent === undefined || index === undefined) return undefined;
      const code = node.children.find(
        (child): child is Element => child.type === 'element' && child.tagName === 'code',
      );
      if (code === undefined) return undefined;
      const meta = typeof code.properties.dataMeta === 'string' ? code.properties.dataMeta : '';
      delete code.properties.dataMeta;
      const action =
        meta
          .split(/\s+/)
          .map(decodeAction)
          .find((candidate) => candidate !== undefined) ?? COPY;
      const highlighted = highlightedLines(meta, toString(code).split('\n').length);
      if (highlighted.size > 0) markLines(code, highlighted);
      node.properties = { ...node.properties, ...actionProperties(action) };
      parent.children[index] = element('div', { className: ['code-block'] }, [
        node,
        buttons(action),
      ]);
      return [SKIP, index + 1];
    });
  };
}

const MARKER = /^\{\{([^}]*)\}\}/;

/**
 * Inline code: `ls`{{exec}} runs, `ls`{{copy}} and plain `ls` copy on click, `ls`{{}} is just
 * code. Code inside links and headings is left alone: a click there means the link.
 */
export function rehypeInlineCode() {
  return (tree: Root): void => {
    visit(tree, 'element', (node, index, parent) => {
      if (node.tagName === 'pre' || node.tagName === 'a' || /^h[1-6]$/.test(node.tagName)) {
        return SKIP;
      }
      if (node.tagName !== 'code' || parent === undefined || index === undefined) return undefined;
      const next = parent.children[index + 1];
      let action: CodeAction | undefined = COPY;
      const marker = next?.type === 'text' ? MARKER.exec(next.value) : null;
      if (next?.type === 'text' && marker) {
        next.value = next.value.slice(marker[0].length);
        action = parseAction(marker[1] ?? '');
      }
      if (action !== undefined) {
        node.properties = {
          ...node.properties,
          ...actionProperties(action),
          role: 'button',
          tabIndex: 0,
          title: action.kind === 'copy' ? 'Click to copy' : `Click: ${describe(action)}`,
        };
      }
      return SKIP;
    });
  };
}
