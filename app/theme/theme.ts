/**
 * The colour theme a learner picked: follow the system, or force light or dark. The choice lives
 * in localStorage; the `dark` class on <html> is what Tailwind's `dark:` variant keys on.
 */

export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_STORAGE_KEY = 'nestbox-theme';

const ORDER: readonly ThemeChoice[] = ['system', 'light', 'dark'];

/** The stored choice, or 'system' for anything missing or unrecognised. */
export function parseThemeChoice(stored: string | null): ThemeChoice {
  return ORDER.find((choice) => choice === stored) ?? 'system';
}

/** What the toggle switches to next: system → light → dark → system. */
export function nextThemeChoice(choice: ThemeChoice): ThemeChoice {
  return ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length] ?? 'system';
}

/** Whether a choice means dark, given whether the system prefers dark. */
export function isDark(choice: ThemeChoice, systemPrefersDark: boolean): boolean {
  return choice === 'dark' || (choice === 'system' && systemPrefersDark);
}

/**
 * Runs in <head> before the body paints, so a stored dark choice never flashes light. Kept tiny
 * and self-contained (it is inlined as text); storage can throw in locked-down browsers.
 */
export const THEME_BOOT_SCRIPT = `(function(){try{var c=localStorage.getItem(${JSON.stringify(
  THEME_STORAGE_KEY,
)});var d=c==='dark'||(c!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches);document.documentElement.classList.toggle('dark',d);document.documentElement.style.colorScheme=d?'dark':'light'}catch(e){}})()`;
