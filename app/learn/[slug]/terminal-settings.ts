/**
 * Terminal settings a learner can change, remembered in localStorage and shared by every open
 * terminal (a change applies to the running terminals at once). Browser-only module.
 */

export const SCREEN_READER_STORAGE_KEY = 'nestbox-terminal-screen-reader';

const listeners = new Set<() => void>();

export function subscribeTerminalSettings(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Whether xterm.js's screen-reader mode (an accessible text mirror of the screen) is on. */
export function screenReaderMode(): boolean {
  try {
    return localStorage.getItem(SCREEN_READER_STORAGE_KEY) === 'on';
  } catch {
    return false;
  }
}

export function setScreenReaderMode(on: boolean): void {
  try {
    if (on) localStorage.setItem(SCREEN_READER_STORAGE_KEY, 'on');
    else localStorage.removeItem(SCREEN_READER_STORAGE_KEY);
  } catch {
    // Storage refused: nothing is remembered, and the terminals keep their mode.
    return;
  }
  for (const listener of listeners) listener();
}
