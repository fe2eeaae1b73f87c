'use client';

/**
 * Listens for the lesson's keyboard shortcuts (see shortcuts.ts) and shows the `?` help dialog.
 * Step moves press the stepper's own Back/Next buttons, so a shortcut can never skip a check
 * the button itself would refuse.
 */
import { useEffect, useRef } from 'react';
import { SHORTCUT_HELP, shortcutFor, type Shortcut } from './shortcuts';

/** Text fields and the terminal (xterm's hidden textarea) take typed characters themselves. */
function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest('.xterm') !== null || target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function pressStepButton(which: 'next' | 'previous'): void {
  const button = document.querySelector<HTMLButtonElement>(`[data-step-nav="${which}"]`);
  if (button !== null && !button.disabled) button.click();
}

function focusTerminal(): void {
  // The visible tab's terminal: xterm listens on its helper textarea.
  const visible = document.querySelector<HTMLElement>(
    '[data-testid^="terminal"]:not([hidden]) .xterm-helper-textarea',
  );
  visible?.focus();
}

export function LessonShortcuts() {
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const run = (shortcut: Shortcut): void => {
      if (shortcut === 'next' || shortcut === 'previous') pressStepButton(shortcut);
      else if (shortcut === 'focus-terminal') focusTerminal();
      else if (!dialog.current?.open) dialog.current?.showModal();
    };
    const onKeyDown = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || dialog.current?.open === true) return;
      const shortcut = shortcutFor(event, isTypingTarget(event.target));
      if (shortcut === undefined) return;
      event.preventDefault();
      run(shortcut);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
    };
  }, []);

  // A native modal dialog: focus moves in and is trapped, Escape closes it, focus returns.
  return (
    <dialog
      ref={dialog}
      aria-labelledby="shortcuts-title"
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl border border-zinc-200 bg-white p-6 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
    >
      <h2 id="shortcuts-title" className="text-lg font-semibold tracking-tight">
        Keyboard shortcuts
      </h2>
      <dl className="mt-4 space-y-2 text-sm">
        {SHORTCUT_HELP.map(({ keys, action }) => (
          <div key={keys} className="flex justify-between gap-4">
            <dt className="font-mono text-zinc-700 dark:text-zinc-300">{keys}</dt>
            <dd className="text-right">{action}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog" className="mt-6 text-right">
        <button
          type="submit"
          className="rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-zinc-300 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-emerald-600 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        >
          Close
        </button>
      </form>
    </dialog>
  );
}
