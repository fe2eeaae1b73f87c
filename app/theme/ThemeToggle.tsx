'use client';

/**
 * The header's theme button: system → light → dark. The boot script in the root layout has
 * already applied the stored choice before paint; this keeps <html> in step afterwards,
 * including when the system flips while "system" is chosen, or another tab changes the choice.
 */
import { useLayoutEffect, useSyncExternalStore } from 'react';
import {
  isDark,
  nextThemeChoice,
  parseThemeChoice,
  THEME_STORAGE_KEY,
  type ThemeChoice,
} from './theme';

const LABEL: Record<ThemeChoice, string> = {
  system: 'Theme: follows the system',
  light: 'Theme: light',
  dark: 'Theme: dark',
};

const ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' };

/** Listeners of this tab; other tabs arrive through the `storage` event. */
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

function readChoice(): ThemeChoice {
  try {
    return parseThemeChoice(localStorage.getItem(THEME_STORAGE_KEY));
  } catch {
    return 'system';
  }
}

function storeChoice(choice: ThemeChoice): void {
  try {
    localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Storage refused (private mode): nothing to remember, and the label stays as it was.
  }
  for (const listener of listeners) listener();
}

function apply(choice: ThemeChoice, systemDark: boolean): void {
  const dark = isDark(choice, systemDark);
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
}

export function ThemeToggle() {
  // The server cannot see localStorage: it renders the "system" label, and the client's real
  // choice replaces it right after hydration.
  const choice = useSyncExternalStore(subscribe, readChoice, () => 'system' as const);

  // A layout effect, so a class that hydration dropped from <html> is back before paint. It
  // reads the stored choice itself: while hydrating, `choice` is still the server's "system",
  // and applying that would flash the wrong theme until the next render.
  useLayoutEffect(() => {
    const query = matchMedia('(prefers-color-scheme: dark)');
    apply(readChoice(), query.matches);
    const onChange = (event: MediaQueryListEvent) => {
      apply(readChoice(), event.matches);
    };
    query.addEventListener('change', onChange);
    return () => {
      query.removeEventListener('change', onChange);
    };
  }, [choice]);

  return (
    <button
      type="button"
      data-testid="theme-toggle"
      data-theme-choice={choice}
      aria-label={`${LABEL[choice]} (click to change)`}
      title={LABEL[choice]}
      onClick={() => {
        // From storage: a click while the page hydrates sees the server's "system" in `choice`.
        storeChoice(nextThemeChoice(readChoice()));
      }}
      className="ml-auto grid size-9 place-items-center rounded-md text-lg text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-emerald-600 dark:text-zinc-300 dark:hover:bg-zinc-800"
    >
      <span aria-hidden>{ICON[choice]}</span>
    </button>
  );
}
