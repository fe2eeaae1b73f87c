import { describe, expect, it } from 'vitest';
import {
  ctrlSeqToKeys,
  decodeAction,
  encodeAction,
  parseAction,
  prepareFences,
} from './code-actions';

describe('parseAction', () => {
  it.each([
    ['exec', { kind: 'exec', terminal: 1, interrupt: false, newline: true, ctrlSeq: false }],
    [
      'exec interrupt',
      { kind: 'exec', terminal: 1, interrupt: true, newline: true, ctrlSeq: false },
    ],
    ['execute', { kind: 'exec', terminal: 1, interrupt: false, newline: true, ctrlSeq: false }],
    ['execute T2', { kind: 'exec', terminal: 2, interrupt: false, newline: true, ctrlSeq: false }],
    [
      ' execute HOST1 ',
      { kind: 'exec', terminal: 1, interrupt: false, newline: true, ctrlSeq: false },
    ],
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

describe('ctrlSeqToKeys', () => {
  it('turns ^X notation into control characters and leaves the rest', () => {
    expect(ctrlSeqToKeys('^C')).toBe('\x03');
    expect(ctrlSeqToKeys('^D^[x')).toBe('\x04\x1bx');
    expect(ctrlSeqToKeys('a^b')).toBe('a^b');
    expect(ctrlSeqToKeys(ctrlSeqToKeys('^C'))).toBe('\x03');
  });
});

describe('prepareFences', () => {
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
      '~~~yaml{2}',
      'a: 1',
      '~~~ {{ execute T2 }}',
    ].join('\n');
    expect(prepareFences(markdown).split('\n')).toEqual([
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
      '~~~yaml{2} nestbox-action=exec.2.0.1.0',
      'a: 1',
      '~~~',
    ]);
  });

  it('closes a fence whose marker is {{}} or an unknown verb without an action', () => {
    expect(prepareFences('```\nx\n```{{}}\n')).toBe('```\nx\n```\n');
  });

  it('leaves ordinary Markdown, inline code and {{...}} inside code blocks alone', () => {
    const markdown = ['```yaml{2,5}', 'a: `b`{{exec}}', '```', 'plain `code`{{exec}} here'].join(
      '\n',
    );
    expect(prepareFences(markdown)).toBe(markdown);
  });

  it('does not take inline code at the start of a line for a fence', () => {
    expect(prepareFences('```ls```{{exec}} is inline')).toBe('```ls```{{exec}} is inline');
  });
});
