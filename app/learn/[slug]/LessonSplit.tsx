'use client';

/**
 * The lesson's two panes. Wide screens: steps and terminal side by side, with a separator that
 * the pointer drags and arrow keys move; the width is remembered. Narrow screens: the steps stack
 * above the terminal and can be collapsed to give the terminal the whole screen.
 */
import { useLayoutEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import {
  clampSplit,
  parseSplit,
  SPLIT_CSS_VAR,
  SPLIT_DEFAULT,
  SPLIT_MAX,
  SPLIT_MIN,
  SPLIT_STORAGE_KEY,
  splitAfterKey,
} from './split';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function readSplit(): number {
  try {
    return parseSplit(localStorage.getItem(SPLIT_STORAGE_KEY));
  } catch {
    return SPLIT_DEFAULT;
  }
}

/** The width lives on <html> (where the boot script put it) and in storage. */
function setSplit(percent: number, remember: boolean): void {
  document.documentElement.style.setProperty(SPLIT_CSS_VAR, `${percent}%`);
  if (remember) {
    try {
      localStorage.setItem(SPLIT_STORAGE_KEY, String(percent));
    } catch {
      // Storage refused: the width holds until the page is left.
    }
  }
  for (const listener of listeners) listener();
}

export function LessonSplit({ steps, terminal }: { steps: ReactNode; terminal: ReactNode }) {
  const split = useSyncExternalStore(subscribe, readSplit, () => SPLIT_DEFAULT);
  // While dragging, the width follows the pointer without touching storage on every move.
  const [dragging, setDragging] = useState<number | undefined>(undefined);
  const [collapsed, setCollapsed] = useState(false);
  const main = useRef<HTMLElement>(null);
  const shown = dragging ?? split;

  // Hydration may rewrite <html>'s attributes, dropping what the boot script set: put it back
  // before the browser paints. From storage: while hydrating, `split` is still the server's
  // default.
  useLayoutEffect(() => {
    document.documentElement.style.setProperty(SPLIT_CSS_VAR, `${readSplit()}%`);
  }, [split]);

  const percentAt = (clientX: number): number => {
    const rect = main.current?.getBoundingClientRect();
    if (rect === undefined || rect.width === 0) return shown;
    return clampSplit(((clientX - rect.left) / rect.width) * 100);
  };

  return (
    <main
      ref={main}
      className="flex flex-1 flex-col lg:grid lg:h-[calc(100dvh-3.5rem)] lg:flex-none lg:grid-cols-[var(--lesson-split,40%)_auto_minmax(0,1fr)] lg:grid-rows-[minmax(0,1fr)]"
    >
      <button
        type="button"
        aria-expanded={!collapsed}
        aria-controls="lesson-steps"
        onClick={() => {
          setCollapsed(!collapsed);
        }}
        className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 text-sm font-medium text-zinc-700 focus-visible:outline-2 focus-visible:outline-emerald-600 lg:hidden dark:border-zinc-800 dark:text-zinc-300"
      >
        {collapsed ? 'Show the steps' : 'Hide the steps'}
        <span aria-hidden>{collapsed ? '▾' : '▴'}</span>
      </button>
      <article
        id="lesson-steps"
        className={`px-4 py-8 sm:px-6 lg:block lg:overflow-y-auto ${collapsed ? 'hidden' : ''}`}
      >
        {steps}
      </article>
      <div
        role="separator"
        aria-orientation="vertical"
        aria-label="Resize the steps and the terminal"
        aria-valuenow={shown}
        aria-valuemin={SPLIT_MIN}
        aria-valuemax={SPLIT_MAX}
        tabIndex={0}
        data-testid="split-separator"
        onKeyDown={(event) => {
          // From storage too: a key pressed while the page hydrates sees the server's default.
          const next = splitAfterKey(readSplit(), event.key);
          if (next === undefined) return;
          event.preventDefault();
          setSplit(next, true);
        }}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          setDragging(percentAt(event.clientX));
        }}
        onPointerMove={(event) => {
          if (dragging === undefined) return;
          const next = percentAt(event.clientX);
          setDragging(next);
          setSplit(next, false);
        }}
        onPointerUp={(event) => {
          if (dragging === undefined) return;
          setDragging(undefined);
          setSplit(percentAt(event.clientX), true);
        }}
        onPointerCancel={() => {
          if (dragging === undefined) return;
          setSplit(dragging, true);
          setDragging(undefined);
        }}
        className="hidden w-1.5 cursor-col-resize touch-none bg-zinc-200 transition-colors hover:bg-emerald-500/60 focus-visible:bg-emerald-500 focus-visible:outline-none lg:block dark:bg-zinc-800"
      />
      <section
        aria-label="Terminal"
        className={`flex min-h-80 flex-col border-t border-zinc-200 lg:h-full lg:min-h-0 lg:border-t-0 dark:border-zinc-800 ${collapsed ? 'h-[calc(100dvh-6.5rem)]' : 'h-[75dvh]'}`}
      >
        {terminal}
      </section>
    </main>
  );
}
