/**
 * Killercoda and Katacoda mark code as clickable with `{{exec}}`-style suffixes:
 *
 *     ```bash                        `ls -la`{{exec}}
 *     ls -la
 *     ```{{exec}}
 *
 * The inline form parses as code followed by text, and the renderer reads it from the tree. The
 * fenced form does not parse at all: CommonMark does not close a fence that has text after it,
 * so before parsing, `prepareFences` moves the action into the opening fence's info string
 * (`bash nestbox-action=exec.1.0.1.0`), where the renderer finds it. Pure string work.
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

const ACTION_PREFIX = 'nestbox-action=';

/**
 * Parses what is inside `{{ }}`. `{{}}` (explicitly not actionable) and verbs we do not know
 * (`{{open}}`) give undefined. Katacoda's `HOST1` names the only machine there is.
 */
export function parseAction(inside: string): CodeAction | undefined {
  const words = inside.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const [verb, ...flags] = words;
  if (verb !== 'exec' && verb !== 'execute' && verb !== 'copy') return undefined;
  const terminalFlag = flags.find((flag) => /^t\d+$/.test(flag));
  return {
    kind: verb === 'copy' ? 'copy' : 'exec',
    terminal: terminalFlag === undefined ? 1 : Math.max(1, Number(terminalFlag.slice(1))),
    interrupt: flags.includes('interrupt'),
    newline: !flags.includes('no-newline') && !flags.includes('ctrl-seq'),
    ctrlSeq: flags.includes('ctrl-seq'),
  };
}

/** The action as one token, safe in an info string. */
export function encodeAction(action: CodeAction): string {
  return `${ACTION_PREFIX}${action.kind}.${action.terminal}.${action.interrupt ? 1 : 0}.${action.newline ? 1 : 0}.${action.ctrlSeq ? 1 : 0}`;
}

export function decodeAction(token: string): CodeAction | undefined {
  const match = /^nestbox-action=(exec|copy)\.(\d+)\.([01])\.([01])\.([01])$/.exec(token);
  if (!match) return undefined;
  return {
    kind: match[1] === 'copy' ? 'copy' : 'exec',
    terminal: Number(match[2]),
    interrupt: match[3] === '1',
    newline: match[4] === '1',
    ctrlSeq: match[5] === '1',
  };
}

/** `^C` style key names (Katacoda's ctrl-seq) as the control characters they stand for. */
export function ctrlSeqToKeys(text: string): string {
  return text.replace(/\^([A-Z@[\\\]^_?])/g, (_match, key: string) =>
    key === '?' ? '\x7f' : String.fromCharCode(key.charCodeAt(0) - 64),
  );
}

const OPEN_FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** Rewrites Killercoda/Katacoda fenced code actions into Markdown CommonMark reads. */
export function prepareFences(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: { index: number; indent: string; marker: string; info: string } | undefined;
  for (const [index, line] of lines.entries()) {
    if (fence === undefined) {
      const open = OPEN_FENCE.exec(line);
      // A backtick fence's info string may not contain backticks; such a line is inline code.
      if (open && !(open[2]?.startsWith('`') === true && open[3]?.includes('`') === true)) {
        fence = {
          index,
          indent: open[1] ?? '',
          marker: open[2] ?? '```',
          info: (open[3] ?? '').trim(),
        };
      }
      continue;
    }
    // Trimmed first: `\s*` on both sides of the optional action made a long run of spaces
    // after a fence quadratic (50,000 spaces took seconds).
    const close = new RegExp(
      `^${fence.marker[0] === '`' ? '`' : '~'}{${fence.marker.length},}\\s*(?:\\{\\{([^}]*)\\}\\})?$`,
    ).exec(line.trim());
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
