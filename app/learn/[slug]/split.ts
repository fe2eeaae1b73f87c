/**
 * The width of the steps pane beside the terminal on wide screens, as a percentage of the lesson
 * area. Remembered in localStorage and applied as the `--lesson-split` CSS variable on <html>
 * (by the theme boot script before first paint, so a remembered width causes no layout shift).
 */

export const SPLIT_STORAGE_KEY = 'nestbox-lesson-split';
export const SPLIT_CSS_VAR = '--lesson-split';
export const SPLIT_DEFAULT = 40;
export const SPLIT_MIN = 20;
export const SPLIT_MAX = 70;
/** How far one arrow key press moves the separator. */
export const SPLIT_KEY_STEP = 5;

/** A whole percentage within the allowed range. */
export function clampSplit(percent: number): number {
  if (!Number.isFinite(percent)) return SPLIT_DEFAULT;
  return Math.min(SPLIT_MAX, Math.max(SPLIT_MIN, Math.round(percent)));
}

/** The stored width, or the default for anything missing or malformed. */
export function parseSplit(stored: string | null): number {
  if (stored === null || !/^\d{1,3}$/.test(stored)) return SPLIT_DEFAULT;
  return clampSplit(Number(stored));
}

/** The new width after a key press on the separator, or undefined for keys it ignores. */
export function splitAfterKey(percent: number, key: string): number | undefined {
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowUp':
      return clampSplit(percent - SPLIT_KEY_STEP);
    case 'ArrowRight':
    case 'ArrowDown':
      return clampSplit(percent + SPLIT_KEY_STEP);
    case 'Home':
      return SPLIT_MIN;
    case 'End':
      return SPLIT_MAX;
    default:
      return undefined;
  }
}

/**
 * Inlined into <head> by the root layout: applies a remembered width before the lesson paints.
 * Self-contained text; bad values are left to the CSS default.
 */
export const SPLIT_BOOT_SCRIPT = `(function(){try{var s=localStorage.getItem(${JSON.stringify(
  SPLIT_STORAGE_KEY,
)});if(/^\\d{1,3}$/.test(s)){var p=Math.min(${SPLIT_MAX},Math.max(${SPLIT_MIN},Number(s)));document.documentElement.style.setProperty(${JSON.stringify(
  SPLIT_CSS_VAR,
)},p+'%')}}catch(e){}})()`;
