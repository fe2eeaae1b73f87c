'use client';

/** The terminal toolbar's settings menu: for now, xterm.js's screen-reader mode. */
import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import {
  screenReaderMode,
  setScreenReaderMode,
  subscribeTerminalSettings,
} from './terminal-settings';

export function TerminalSettings({ buttonClassName }: { buttonClassName: string }) {
  const [open, setOpen] = useState(false);
  const screenReader = useSyncExternalStore(
    subscribeTerminalSettings,
    screenReaderMode,
    () => false,
  );
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);

  // Closes on Escape or a click elsewhere, like any menu.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setOpen(false);
    };
    const onPointer = (event: PointerEvent): void => {
      if (!(event.target instanceof Node) || !root.current?.contains(event.target)) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('pointerdown', onPointer);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div ref={root} className="relative">
      <button
        type="button"
        aria-label="Terminal settings"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          setOpen(!open);
        }}
        className={buttonClassName}
      >
        <span aria-hidden>⚙</span>
      </button>
      {open && (
        <div
          id={panelId}
          className="absolute right-0 z-20 mt-2 w-64 rounded-lg bg-zinc-800 p-3 text-sm text-zinc-100 shadow-xl ring-1 ring-white/10"
        >
          <label className="flex items-start gap-2">
            <input
              type="checkbox"
              checked={screenReader}
              onChange={(event) => {
                setScreenReaderMode(event.target.checked);
              }}
              className="mt-1 accent-emerald-500"
            />
            <span>
              Screen reader mode
              <span className="block text-xs text-zinc-400">
                Lets a screen reader read the terminal&apos;s output. Slower on busy output.
              </span>
            </span>
          </label>
        </div>
      )}
    </div>
  );
}
