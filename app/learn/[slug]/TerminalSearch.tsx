'use client';

/**
 * The terminal's search box (Ctrl+Shift+F in the terminal, or the toolbar's search button).
 * The newest output is at the bottom, so Enter looks upwards (the latest match first, then
 * older ones) and Shift+Enter downwards; Escape closes it and goes back to the terminal. It
 * floats over the terminal, so opening it never resizes the shell.
 */
import { useEffect, useRef, useState } from 'react';
import type { TerminalConnection } from './terminal-connection';

type Outcome = 'none' | 'found' | 'not-found';
type Direction = 'older' | 'newer';

const SEARCH_BUTTONS: readonly { direction: Direction; label: string; icon: string }[] = [
  { direction: 'older', label: 'Older match (Enter)', icon: '↑' },
  { direction: 'newer', label: 'Newer match (Shift+Enter)', icon: '↓' },
];

const ICON_BUTTON =
  'rounded px-1.5 py-0.5 text-zinc-300 hover:bg-white/10 focus-visible:outline-2 focus-visible:outline-emerald-400';

export function TerminalSearch(props: {
  connection: () => TerminalConnection | undefined;
  onClose: () => void;
}) {
  const { connection, onClose } = props;
  const [query, setQuery] = useState('');
  const [outcome, setOutcome] = useState<Outcome>('none');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    input.current?.focus();
  }, []);

  const find = (direction: Direction): void => {
    const terminal = connection();
    if (terminal === undefined || query === '') return;
    const found = direction === 'older' ? terminal.findPrevious(query) : terminal.findNext(query);
    setOutcome(found ? 'found' : 'not-found');
  };

  const close = (): void => {
    connection()?.clearSearch();
    onClose();
    connection()?.focus();
  };

  return (
    <div
      role="search"
      aria-label="Search the terminal"
      className="absolute top-12 right-3 z-10 flex items-center gap-1 rounded-md bg-zinc-800 p-1 text-xs text-zinc-100 shadow-xl ring-1 ring-white/10"
    >
      <input
        ref={input}
        type="search"
        aria-label="Text to find in the terminal"
        placeholder="Find in terminal"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setOutcome('none');
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            find(event.shiftKey ? 'newer' : 'older');
          } else if (event.key === 'Escape') {
            event.preventDefault();
            close();
          }
        }}
        className="w-44 rounded bg-zinc-900 px-2 py-1 text-zinc-100 placeholder:text-zinc-500 focus-visible:outline-2 focus-visible:outline-emerald-400"
      />
      <span role="status" data-testid="terminal-search-status" className="w-16 text-zinc-400">
        {outcome === 'not-found' ? 'No match' : outcome === 'found' ? 'Found' : ''}
      </span>
      {SEARCH_BUTTONS.map(({ direction, label, icon }) => (
        <button
          key={direction}
          type="button"
          aria-label={label}
          onClick={() => {
            find(direction);
          }}
          className={ICON_BUTTON}
        >
          <span aria-hidden>{icon}</span>
        </button>
      ))}
      <button type="button" aria-label="Close the search" onClick={close} className={ICON_BUTTON}>
        <span aria-hidden>✕</span>
      </button>
    </div>
  );
}
