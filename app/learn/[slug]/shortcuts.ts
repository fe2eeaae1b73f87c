/**
 * The lesson page's keyboard shortcuts, outside the terminal. Plain keys (`]`, `[`, `?`) only
 * count when focus is not in a text field or the terminal, where they are ordinary typing.
 */

export type Shortcut = 'next' | 'previous' | 'focus-terminal' | 'help';

export interface KeyLike {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/** For the help dialog: what to press, and what it does. */
export const SHORTCUT_HELP: readonly { keys: string; action: string }[] = [
  { keys: 'Alt+→ or ]', action: 'Next step' },
  { keys: 'Alt+← or [', action: 'Previous step' },
  { keys: 'Ctrl+`', action: 'Focus the terminal' },
  { keys: 'Tab to a Run button, then Enter', action: 'Run that code block in the terminal' },
  { keys: 'Ctrl+Shift+C / Ctrl+Shift+V', action: 'Copy / paste in the terminal' },
  { keys: 'Ctrl+Shift+F', action: 'Search the terminal' },
  { keys: '?', action: 'This list' },
];

/**
 * The shortcut a key press means, given whether focus is in a place that takes typing (a text
 * field or the terminal). Ctrl+` works from anywhere but the terminal itself.
 */
export function shortcutFor(key: KeyLike, typingTarget: boolean): Shortcut | undefined {
  if (key.ctrlKey && !key.altKey && !key.metaKey && key.key === '`') return 'focus-terminal';
  if (key.altKey && !key.ctrlKey && !key.metaKey) {
    if (key.key === 'ArrowRight') return 'next';
    if (key.key === 'ArrowLeft') return 'previous';
  }
  if (typingTarget || key.altKey || key.ctrlKey || key.metaKey) return undefined;
  if (key.key === ']') return 'next';
  if (key.key === '[') return 'previous';
  if (key.key === '?') return 'help';
  return undefined;
}
