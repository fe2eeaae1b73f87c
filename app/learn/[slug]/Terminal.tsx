'use client';

import { useEffect, useRef, useState } from 'react';
import { connectTerminal, type TerminalStatus } from './terminal-connection';

const STATUS_STYLE: Record<TerminalStatus, string> = {
  connecting: 'bg-amber-400 animate-pulse',
  live: 'bg-emerald-400',
  ended: 'bg-zinc-500',
};

/** The learner's shell: one sandbox session per mount, released when the page goes away. */
export function Terminal({ scenario }: { scenario: string }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<TerminalStatus>('connecting');
  // Bumping this tears the old session down and starts a fresh sandbox.
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const connection = connectTerminal(container, scenario, setStatus);
    return () => {
      connection.dispose();
    };
  }, [scenario, attempt]);

  const restart = () => {
    setStatus('connecting');
    setAttempt((n) => n + 1);
  };

  return (
    <div className="flex h-full flex-col bg-[#0c0d10] text-zinc-300">
      <div className="flex h-10 shrink-0 items-center gap-3 border-b border-white/10 px-4 text-xs">
        <span
          data-testid="terminal-status"
          data-state={status}
          aria-live="polite"
          className="flex items-center gap-2 font-medium capitalize"
        >
          <span aria-hidden className={`size-2 rounded-full ${STATUS_STYLE[status]}`} />
          {status}
        </span>
        {status === 'ended' && (
          <button
            type="button"
            onClick={restart}
            className="ml-auto rounded-md px-2 py-1 font-medium text-emerald-400 ring-1 ring-emerald-400/40 hover:bg-emerald-400/10 focus-visible:outline-2 focus-visible:outline-emerald-400"
          >
            Start a new sandbox
          </button>
        )}
      </div>
      {/* xterm measures this box to fit; min-h-0 lets it shrink inside the flex column. */}
      <div
        ref={containerRef}
        data-testid="terminal"
        className="min-h-0 flex-1 overflow-hidden py-2 pl-3"
      />
    </div>
  );
}
