import { describe, expect, it } from 'vitest';
import { decodeAction, encodeAction, parseAction, prepareMarkdown } from './code-actions';

describe('parseAction', () => {
  it.each([
    ['exec', { kind: 'exec', terminal: 1, interrupt: false, newline: true, ctrlSeq: false }],
    [
      'exec interrupt',
      { kind: 'exec', terminal: 1, interrupt: true, newline: true, ctrlSeq: false },
    ],
    ['execute T2', { kind: 'exec', terminal: 2, interrupt: false, newline: true, ctrlSeq: false }],
    [
      'execute interrupt',
      { kind: 'exec', terminal: 1, interrupt: true, newline: true, ctrlSeq: false },
    ],
    [
      'execute no-newline',
      { kind: 'exec', terminal: 1, interrupt: false, newline: false, ctrlSeq: false },
    ],
    [
      'execute ctrl-seq',
      { kind: 'exec', terminal: 1, interrupt: false, newline: false, ctrlSeq: true },
    ],
    ['copy', { kind: 'copy', terminal: 1, interrupt: false, newline: true, ctrlSeq: false }],
  ])('reads {{%s}}', (inside, action) => {
    expect(parseAction(inside)).toEqual(action);
    expect(decodeAction(encodeAction(action as never))).toEqual(action);
  });

  it('treats {{}} and unknown verbs as no action', () => {
    expect(parseAction('')).toBeUndefined();
    expect(parseAction('open')).toBeUndefined();
    expect(decodeAction('nestbox-action=rm.1.0.0.0')).toBeUndefined();
  });
});

describe('prepareMarkdown', () => {
  it('closes Killercoda fences and carries the action in the info string', () => {
    const markdown = [
      'Run:',
      '',
      '```bash',
      'ls -la',
      '```{{exec}}',
      '',
      'Then:',
      '```',
      'yes',
      '```{{exec interrupt}}',
    ].join('\n');
    expect(prepareMarkdown(markdown).split('\n')).toEqual([
      'Run:',
      '',
      '```bash nestbox-action=exec.1.0.1.0',
      'ls -la',
      '```',
      '',
      'Then:',
      '```text nestbox-action=exec.1.1.1.0',
      'yes',
      '```',
    ]);
  });

  it('turns inline actions into links, and {{}} into plain code', () => {
    expect(prepareMarkdown('Try `hostname`{{exec}}, `id`{{copy}} and `x`{{}}.')).toBe(
      'Try [`hostname`](#nestbox-action=exec.1.0.1.0), [`id`](#nestbox-action=copy.1.0.1.0) and `x`.',
    );
  });

  it('leaves ordinary Markdown, and {{...}} inside code blocks, alone', () => {
    const markdown = ['```yaml{2,5}', 'a: `b`{{exec}}', '```', 'plain `code` here'].join('\n');
    expect(prepareMarkdown(markdown)).toBe(markdown);
  });
});
