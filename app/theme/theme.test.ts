import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isDark, nextThemeChoice, parseThemeChoice, THEME_BOOT_SCRIPT } from './theme';

describe('theme choice', () => {
  it('cycles system → light → dark → system', () => {
    expect(nextThemeChoice('system')).toBe('light');
    expect(nextThemeChoice('light')).toBe('dark');
    expect(nextThemeChoice('dark')).toBe('system');
  });

  it('falls back to system for missing or foreign stored values', () => {
    expect(parseThemeChoice(null)).toBe('system');
    expect(parseThemeChoice('purple')).toBe('system');
    expect(parseThemeChoice('dark')).toBe('dark');
  });

  it('follows the system only when the choice is system', () => {
    expect(isDark('system', true)).toBe(true);
    expect(isDark('system', false)).toBe(false);
    expect(isDark('light', true)).toBe(false);
    expect(isDark('dark', false)).toBe(true);
  });

  it('boots with the same rule as isDark', () => {
    for (const stored of [null, 'light', 'dark', 'system', 'junk']) {
      for (const systemDark of [false, true]) {
        const classes = new Set<string>();
        const root = {
          classList: {
            toggle: (name: string, on: boolean) => {
              if (on) classes.add(name);
              else classes.delete(name);
            },
          },
          style: { colorScheme: '' },
        };
        runInNewContext(THEME_BOOT_SCRIPT, {
          localStorage: { getItem: () => stored },
          matchMedia: () => ({ matches: systemDark }),
          document: { documentElement: root },
        });
        expect(classes.has('dark')).toBe(isDark(parseThemeChoice(stored), systemDark));
      }
    }
  });
});
