/**
 * Killercoda and Katacoda mark code as clickable with `{{exec}}`-style suffixes:
 *
 *     ```bash                        `ls -la`{{exec}}
 *     ls -la
 *     ```{{exec}}
 *
 * CommonMark reads neither as intended (a fence with text after it does not close), so before
 * rendering we turn them into plain Markdown that carries the action: a fenced block gets the
 * action in its info string (`bash nestbox-action=exec`), an inline one becomes a link to
 * `#nestbox-action=...`. The renderer turns both into buttons. Pure string work: no DOM, no fs.
 */

export interface CodeAction {
  /** exec: type it into a terminal and press Enter; copy: put it on the clipboard. */
  kind: 'exec' | 'copy';
  /** Target terminal, 1-based (`{{execute T2}}`). */
  terminal: number;
  /** Send Ctrl-C first (`{{exec interrupt}}`). */
  interrupt: boolean;
  /** Press Enter after typing (false for `{{execute no-newline}}`). */
  newline: boolean;
  /** Send the text as keys, e.g. ^C, rather than a command (`{{execute ctrl-seq}}`). */
  ctrlSeq: boolean;
}

export const ACTION_PREFIX = 'nestbox-action=';

/** Parses what is inside `{{ }}`; undefined for `{{}}` (explicitly not actionable). */
export function parseAction(inside: string): CodeAction | undefined {
  const words = inside.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const [verb, ...flags] = words;
  if (verb === undefined) return undefined;
  if (verb !== 'exec' && verb !== 'execute' && verb !== 'copy') return undefined;
  const terminalFlag = flags.find((flag) => /^t\d+$/.test(flag));
  return {
    kind: verb === 'copy' ? 'copy' : 'exec',
    terminal: terminalFlag === undefined ? 1 : Number(terminalFlag.slice(1)),
    interrupt: flags.includes('interrupt'),
    newline: !flags.includes('no-newline') && !flags.includes('ctrl-seq'),
    ctrlSeq: flags.includes('ctrl-seq'),
  };
}

/** The action as one token, safe in an info string or a URL fragment. */
export function encodeAction(action: CodeAction): string {
  return `${ACTION_PREFIX}${action.kind}.${action.terminal}.${action.interrupt ? 1 : 0}.${action.newline ? 1 : 0}.${action.ctrlSeq ? 1 : 0}`;
}

export function decodeAction(token: string): CodeAction | undefined {
  const match = /^nestbox-action=(exec|copy)\.(\d+)\.([01])\.([01])\.([01])$/.exec(token);
  if (!match) return undefined;
  return {
    kind: match[1] as 'exec' | 'copy',
    terminal: Number(match[2]),
    interrupt: match[3] === '1',
    newline: match[4] === '1',
    ctrlSeq: match[5] === '1',
  };
}

const OPEN_FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const INLINE_ACTION = /(`+)([^`]+?)\1\{\{([^}]*)\}\}/g;

/** Rewrites Killercoda/Katacoda code actions into Markdown any CommonMark renderer reads. */
export function prepareMarkdown(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: { index: number; indent: string; marker: string; info: string } | undefined;
  for (const [index, line] of lines.entries()) {
    if (fence === undefined) {
      const open = OPEN_FENCE.exec(line);
      if (open) {
        fence = {
          index,
          indent: open[1] ?? '',
          marker: open[2] ?? '```',
          info: (open[3] ?? '').trim(),
        };
        continue;
      }
      lines[index] = line.replace(
        INLINE_ACTION,
        (_whole, ticks: string, code: string, inside: string) => {
          const action = parseAction(inside);
          return action === undefined
            ? `${ticks}${code}${ticks}`
            : `[${ticks}${code}${ticks}](#${encodeAction(action)})`;
        },
      );
      continue;
    }
    const close = new RegExp(
      `^\\s*${fence.marker[0] === '`' ? '`' : '~'}{${fence.marker.length},}\\s*(?:\\{\\{([^}]*)\\}\\})?\\s*$`,
    ).exec(line);
    if (!close) continue;
    const action = close[1] === undefined ? undefined : parseAction(close[1]);
    if (action !== undefined) {
      const [language = '', ...rest] = fence.info.split(/\s+/);
      lines[fence.index] =
        `${fence.indent}${fence.marker}${[language || 'text', encodeAction(action), ...rest].join(' ')}`;
    }
    lines[index] = `${fence.indent}${fence.marker}`;
    fence = undefined;
  }
  return lines.join('\n');
}
