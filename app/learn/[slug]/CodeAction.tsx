'use client';

import { useState } from 'react';
import type { CodeAction as Action } from '@/lib/scenario';

/**
 * A command from the lesson text that the learner can click: exec types it into the named
 * terminal (the terminal listens for `nestbox:exec`), copy puts it on the clipboard.
 */
export function CodeAction({
  command,
  action,
  inline,
}: {
  command: string;
  action: Action;
  inline: boolean;
}) {
  const [copied, setCopied] = useState(false);
  const run = () => {
    if (action.kind === 'copy') {
      void navigator.clipboard.writeText(command).then(() => {
        setCopied(true);
        setTimeout(() => {
          setCopied(false);
        }, 1500);
      });
      return;
    }
    window.dispatchEvent(
      new CustomEvent('nestbox:exec', {
        detail: {
          command: action.ctrlSeq
            ? command.replace(/\^([A-Z@[\\\]^_])/g, (_m, key: string) =>
                String.fromCharCode(key.charCodeAt(0) - 64),
              )
            : command,
          terminal: action.terminal,
          interrupt: action.interrupt,
          newline: action.newline,
        },
      }),
    );
  };
  const label =
    action.kind === 'copy'
      ? copied
        ? 'Copied'
        : 'Copy'
      : action.terminal > 1
        ? `Run in terminal ${action.terminal}`
        : 'Run';
  const title =
    action.kind === 'copy'
      ? 'Copy to the clipboard'
      : `Type this into terminal ${action.terminal} and press Enter`;

  if (inline) {
    return (
      <button
        type="button"
        onClick={run}
        title={title}
        data-action={action.kind}
        className="rounded bg-emerald-50 px-1 font-mono text-[0.9em] text-emerald-800 ring-1 ring-emerald-600/30 hover:bg-emerald-100 dark:bg-emerald-400/10 dark:text-emerald-300 dark:hover:bg-emerald-400/20"
      >
        {command}
        <span aria-hidden className="ml-1 text-[0.8em]">
          {action.kind === 'copy' ? (copied ? '✓' : '⧉') : '▶'}
        </span>
      </button>
    );
  }
  return (
    <div className="group relative">
      <pre className="overflow-x-auto rounded-lg bg-zinc-900 p-4 pr-24 text-sm text-zinc-100">
        <code>{command}</code>
      </pre>
      <button
        type="button"
        onClick={run}
        title={title}
        data-action={action.kind}
        className="absolute top-2 right-2 rounded-md bg-emerald-600 px-2 py-1 text-xs font-medium text-white hover:bg-emerald-500 focus-visible:outline-2 focus-visible:outline-emerald-300"
      >
        {label}
      </button>
    </div>
  );
}
