'use client';

import { useEffect, useRef, useState } from 'react';
import {
  connectTerminal,
  type TerminalConnection,
  type TerminalState,
  type TerminalStatus,
} from './terminal-connection';

const STATUS_STYLE: Record<TerminalStatus, string> = {
  connecting: 'bg-amber-400 animate-pulse',
  live: 'bg-emerald-400',
  reconnecting: 'bg-amber-400 animate-pulse',
  ended: 'bg-zinc-500',
};

const BUTTON =
  'rounded-md px-2 py-1 font-medium text-emerald-400 ring-1 ring-emerald-400/40 hover:bg-emerald-400/10 focus-visible:outline-2 focus-visible:outline-emerald-400 disabled:opacity-50';

/** "12:34" until the deadline, re-rendered every second; undefined before it is known. */
function useRemaining(expiresAt: number | undefined): string | undefined {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, []);
  if (expiresAt === undefined) return undefined;
  const seconds = Math.max(0, Math.round((expiresAt - now) / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The learner's shell: one sandbox session per mount, kept across reloads and network drops. */
export function Terminal({ scenario }: { scenario: string }) {
  const containerRef = useRef<HTMLDivElement>(null);
  const connectionRef = useRef<TerminalConnection | undefined>(undefined);
  const [state, setState] = useState<TerminalState>({
    status: 'connecting',
    expiresAt: undefined,
    takenOver: false,
  });
  const [extending, setExtending] = useState(false);
  // Bumping this tears the old session down and starts a fresh sandbox.
  const [attempt, setAttempt] = useState(0);
  const remaining = useRemaining(state.status === 'live' ? state.expiresAt : undefined);

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const connection = connectTerminal(container, scenario, setState);
    connectionRef.current = connection;
    return () => {
      connection.dispose();
      connectionRef.current = undefined;
    };
  }, [scenario, attempt]);

  const restart = () => {
    setAttempt((n) => n + 1);
  };
  const extend = () => {
    setExtending(true);
    connectionRef.current
      ?.extend()
      .catch((error: unknown) => {
        console.error('nestbox: extend failed', error);
      })
      .finally(() => {
        setExtending(false);
      });
  };

  return (
    <div className="flex h-full flex-col bg-[#0c0d10] text-zinc-300">
      <div className="flex h-10 shrink-0 items-center gap-3 border-b border-white/10 px-4 text-xs">
        <span
          data-testid="terminal-status"
          data-state={state.status}
          aria-live="polite"
          className="flex items-center gap-2 font-medium capitalize"
        >
          <span aria-hidden className={`size-2 rounded-full ${STATUS_STYLE[state.status]}`} />
          {state.takenOver ? 'open in another tab' : state.status}
        </span>
        <span className="ml-auto flex items-center gap-3">
          {remaining !== undefined && (
            <>
              <span
                data-testid="time-left"
                className="tabular-nums"
                title="Time left in this session"
              >
                {remaining} left
              </span>
              <button type="button" onClick={extend} disabled={extending} className={BUTTON}>
                Extend
              </button>
            </>
          )}
          {state.takenOver && (
            <button
              type="button"
              onClick={() => connectionRef.current?.reconnect()}
              className={BUTTON}
            >
              Use here
            </button>
          )}
          {state.status === 'ended' && !state.takenOver && (
            <button type="button" onClick={restart} className={BUTTON}>
              Start a new sandbox
            </button>
          )}
        </span>
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
