import { describe, expect, it } from 'vitest';
import { shortcutFor, type KeyLike } from './shortcuts';

const press = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...mods,
});

describe('lesson shortcuts', () => {
  it('moves between steps with Alt+arrows anywhere and brackets outside text fields', () => {
    expect(shortcutFor(press('ArrowRight', { altKey: true }), true)).toBe('next');
    expect(shortcutFor(press('ArrowLeft', { altKey: true }), false)).toBe('previous');
    expect(shortcutFor(press(']'), false)).toBe('next');
    expect(shortcutFor(press('['), false)).toBe('previous');
  });

  it('leaves plain keys alone while the learner types', () => {
    expect(shortcutFor(press(']'), true)).toBeUndefined();
    expect(shortcutFor(press('?'), true)).toBeUndefined();
    expect(shortcutFor(press('ArrowRight'), false)).toBeUndefined();
  });

  it('focuses the terminal with Ctrl+` and opens help with ?', () => {
    expect(shortcutFor(press('`', { ctrlKey: true }), false)).toBe('focus-terminal');
    expect(shortcutFor(press('?'), false)).toBe('help');
    expect(shortcutFor(press('[', { ctrlKey: true }), false)).toBeUndefined();
  });
});
