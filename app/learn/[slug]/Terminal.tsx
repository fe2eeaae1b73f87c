'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { useLessonSession } from './session-context';
import {
  endSession,
  extendSession,
  grantStore,
  SessionRequestError,
  type SessionGrant,
} from './session-client';
import {
  connectTerminal,
  type RunOptions,
  type TerminalConnection,
  type TerminalState,
  type TerminalStatus,
} from './terminal-connection';
import { BroadcastBanner } from './BroadcastBanner';
import { TerminalSearch } from './TerminalSearch';
import { TerminalSettings } from './TerminalSettings';

/** What a lesson's code action asks for (dispatched on window as `nestbox:exec`). */
export interface ExecRequest extends RunOptions {
  command: string;
  terminal: number;
}

const MAX_TABS = 4;

const STATUS_STYLE: Record<TerminalStatus, string> = {
  connecting: 'bg-amber-400 animate-pulse',
  live: 'bg-emerald-400',
  reconnecting: 'bg-amber-400 animate-pulse',
  ended: 'bg-zinc-500',
};

const BUTTON =
  'rounded-md px-2 py-1 font-medium text-emerald-400 ring-1 ring-emerald-400/40 hover:bg-emerald-400/10 focus-visible:outline-2 focus-visible:outline-emerald-400 disabled:opacity-50';

const TAB_FOCUS = 'focus-visible:outline-2 focus-visible:outline-emerald-400';

const INITIAL_STATE: TerminalState = {
  status: 'connecting',
  expiresAt: undefined,
  takenOver: false,
};

function isExecRequest(value: unknown): value is ExecRequest {
  if (typeof value !== 'object' || value === null) return false;
  const request = value as Record<string, unknown>;
  return (
    typeof request.command === 'string' &&
    typeof request.terminal === 'number' &&
    typeof request.interrupt === 'boolean' &&
    typeof request.newline === 'boolean'
  );
}

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

/** One terminal of the session, mounted while its tab exists and hidden when not active. */
function TerminalPane(props: {
  grant: SessionGrant;
  terminal: number;
  visible: boolean;
  onState: (terminal: number, state: TerminalState) => void;
  onGone: () => void;
  onReset: () => void;
  onSearchKey: () => void;
  register: (terminal: number, connection: TerminalConnection | undefined) => void;
}) {
  const { grant, terminal, visible, onState, onGone, onReset, onSearchKey, register } = props;
  const containerRef = useRef<HTMLDivElement>(null);
  const connectionRef = useRef<TerminalConnection | undefined>(undefined);

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const connection = connectTerminal(container, {
      grant,
      terminal,
      onState: (state) => {
        onState(terminal, state);
      },
      onGone,
      onReset,
      onSearchKey,
    });
    connectionRef.current = connection;
    register(terminal, connection);
    return () => {
      register(terminal, undefined);
      connection.dispose();
    };
  }, [grant, terminal, onState, onGone, onReset, onSearchKey, register]);

  useEffect(() => {
    if (!visible) return;
    connectionRef.current?.fit();
    connectionRef.current?.focus();
  }, [visible]);

  return (
    <div
      ref={containerRef}
      data-testid={terminal === 1 ? 'terminal' : `terminal-${terminal}`}
      id={`terminal-panel-${terminal}`}
      role="tabpanel"
      aria-labelledby={`terminal-tab-${terminal}`}
      hidden={!visible}
      className="min-h-0 flex-1 overflow-hidden py-2 pl-3"
    />
  );
}

/**
 * The learner's terminals: one sandbox session, shown as tabs (terminal 1 is the sandbox's
 * first shell, + opens another shell in the same sandbox). The session survives reloads and
 * network drops; "Reset" throws the sandbox away and starts a fresh one.
 */
export function Terminal({ scenario }: { scenario: string }) {
  const { grant, error, generation, restart } = useLessonSession();
  const [tabs, setTabs] = useState<number[]>([1]);
  const [active, setActive] = useState(1);
  const [states, setStates] = useState<Record<number, TerminalState>>({});
  const [gone, setGone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [searching, setSearching] = useState(false);
  const openSearch = useCallback(() => {
    setSearching(true);
  }, []);
  /** Why Extend failed, shown until the next attempt. */
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const connections = useRef(new Map<number, TerminalConnection>());
  const pendingRuns = useRef(new Map<number, ExecRequest[]>());

  const activeState = states[active] ?? INITIAL_STATE;
  const expiresAt = states[1]?.expiresAt ?? activeState.expiresAt;
  const remaining = useRemaining(gone ? undefined : expiresAt);

  // A new session (after a reset, or when the old one ended) starts with one clean tab.
  const [shownGeneration, setShownGeneration] = useState(generation);
  if (shownGeneration !== generation) {
    setShownGeneration(generation);
    setTabs([1]);
    setActive(1);
    setStates({});
    setGone(false);
  }
  const startFresh = useCallback(() => {
    connections.current.clear();
    pendingRuns.current.clear();
    restart();
  }, [restart]);

  const onGone = useCallback(() => {
    grantStore.clear(scenario);
    setGone(true);
  }, [scenario]);

  const onState = useCallback((terminal: number, state: TerminalState) => {
    setStates((previous) => ({ ...previous, [terminal]: state }));
    if (state.status !== 'live') return;
    const queued = pendingRuns.current.get(terminal) ?? [];
    pendingRuns.current.delete(terminal);
    for (const request of queued) connections.current.get(terminal)?.run(request.command, request);
  }, []);

  const register = useCallback((terminal: number, connection: TerminalConnection | undefined) => {
    if (connection) connections.current.set(terminal, connection);
    else connections.current.delete(terminal);
  }, []);

  const openTab = useCallback((terminal: number) => {
    setTabs((previous) =>
      previous.includes(terminal) ? previous : [...previous, terminal].sort(),
    );
    setActive(terminal);
  }, []);

  // Code actions in the lesson text ask for commands to be typed into a terminal.
  useEffect(() => {
    const onExec = (event: Event) => {
      const request = (event as CustomEvent<unknown>).detail;
      if (!isExecRequest(request) || request.terminal < 1 || request.terminal > MAX_TABS) return;
      openTab(request.terminal);
      const connection = connections.current.get(request.terminal);
      if (connection && states[request.terminal]?.status === 'live') {
        connection.run(request.command, request);
      } else {
        const queue = pendingRuns.current.get(request.terminal) ?? [];
        pendingRuns.current.set(request.terminal, [...queue, request]);
      }
    };
    window.addEventListener('nestbox:exec', onExec);
    return () => {
      window.removeEventListener('nestbox:exec', onExec);
    };
  }, [openTab, states]);

  const extend = () => {
    if (!grant) return;
    setBusy(true);
    setActionError(undefined);
    extendSession(grant)
      .then((newExpiry) => {
        setStates((previous) => ({
          ...previous,
          1: { ...(previous[1] ?? INITIAL_STATE), expiresAt: newExpiry },
        }));
      })
      .catch((reason: unknown) => {
        setActionError(
          `${reason instanceof SessionRequestError ? reason.message : 'Could not extend the session.'} Try Extend again in a moment.`,
        );
      })
      .finally(() => {
        setBusy(false);
      });
  };

  const reset = () => {
    if (!grant) return;
    if (
      !window.confirm('Reset the environment? Your sandbox is thrown away and a fresh one starts.')
    )
      return;
    setBusy(true);
    endSession(grant)
      .catch((reason: unknown) => {
        // The old sandbox still expires on its own; the fresh one starts regardless.
        console.error('nestbox: ending the old session failed', reason);
      })
      .finally(() => {
        setBusy(false);
        startFresh();
      });
  };

  const status: TerminalStatus = error !== undefined || gone ? 'ended' : activeState.status;
  return (
    <div className="relative flex h-full flex-col bg-[#0c0d10] text-zinc-300">
      <div className="flex h-10 shrink-0 items-center gap-3 border-b border-white/10 px-3 text-xs">
        <div role="tablist" aria-label="Terminals" className="flex items-center gap-1">
          {tabs.map((terminal) => (
            <button
              key={terminal}
              type="button"
              role="tab"
              id={`terminal-tab-${terminal}`}
              aria-controls={`terminal-panel-${terminal}`}
              aria-selected={terminal === active}
              onClick={() => {
                setActive(terminal);
              }}
              className={`rounded px-2 py-1 font-medium ${TAB_FOCUS} ${terminal === active ? 'bg-white/10 text-zinc-100' : 'text-zinc-400 hover:text-zinc-200'}`}
            >
              Terminal {terminal}
            </button>
          ))}
          {/* Shown (disabled) before the session is there, so nothing moves when it arrives. */}
          {!gone && tabs.length < MAX_TABS && (
            <button
              type="button"
              aria-label="Open another terminal"
              title="Open another shell in the same sandbox"
              disabled={!grant}
              onClick={() => {
                openTab(Math.max(...tabs) + 1);
              }}
              className={`rounded px-2 py-1 text-zinc-400 hover:text-zinc-100 disabled:opacity-50 ${TAB_FOCUS}`}
            >
              +
            </button>
          )}
        </div>
        <span
          data-testid="terminal-status"
          data-state={status}
          aria-live="polite"
          className="flex items-center gap-2 font-medium capitalize"
        >
          <span aria-hidden className={`size-2 rounded-full ${STATUS_STYLE[status]}`} />
          {activeState.takenOver ? 'open in another tab' : status}
        </span>
        {(states[1]?.viewers ?? 0) > 0 && (
          <span data-testid="instructor-viewing" className="text-amber-300">
            instructor is viewing
          </span>
        )}
        <span className="ml-auto flex items-center gap-2">
          <button
            type="button"
            aria-label="Search the terminal (Ctrl+Shift+F)"
            title="Search the terminal (Ctrl+Shift+F)"
            aria-expanded={searching}
            onClick={() => {
              if (searching) connections.current.get(active)?.clearSearch();
              setSearching(!searching);
            }}
            className={BUTTON}
          >
            <span aria-hidden>⌕</span>
          </button>
          <TerminalSettings buttonClassName={BUTTON} />
          {/* Kept in place while the session starts: wide enough for any time, left-aligned, and
            one text node (as two, " left" would move when the time arrives), so neither the
            controls nor the text move on load. */}
          {!gone && error === undefined && (
            <>
              <span
                data-testid="time-left"
                className="min-w-[11ch] tabular-nums"
                title="Time left in this session"
              >
                {`${remaining ?? '--:--'} left`}
              </span>
              <button
                type="button"
                onClick={extend}
                disabled={busy || remaining === undefined}
                className={BUTTON}
              >
                Extend
              </button>
            </>
          )}
          {activeState.takenOver && (
            <button
              type="button"
              onClick={() => connections.current.get(active)?.reconnect()}
              className={BUTTON}
            >
              Use here
            </button>
          )}
          {gone || error !== undefined ? (
            <button type="button" onClick={startFresh} className={BUTTON}>
              Start a new sandbox
            </button>
          ) : (
            <button
              type="button"
              onClick={reset}
              disabled={busy || !grant}
              className={BUTTON}
              title="Throw this sandbox away and start a fresh one"
            >
              Reset
            </button>
          )}
        </span>
      </div>
      <BroadcastBanner broadcasts={Object.values(states).map((state) => state.broadcast)} />
      {searching && (
        <TerminalSearch
          connection={() => connections.current.get(active)}
          onClose={() => {
            setSearching(false);
          }}
        />
      )}
      {actionError !== undefined && (
        <p role="alert" className="m-4 rounded-md bg-amber-500/10 p-3 text-sm text-amber-200">
          {actionError}
        </p>
      )}
      {error !== undefined && (
        <p role="alert" className="m-4 rounded-md bg-red-500/10 p-3 text-sm text-red-300">
          {error}
        </p>
      )}
      {gone && (
        <p role="status" className="m-4 rounded-md bg-white/5 p-3 text-sm text-zinc-300">
          This session has ended. Start a new sandbox to continue.
        </p>
      )}
      {grant &&
        !gone &&
        tabs.map((terminal) => (
          <TerminalPane
            key={`${grant.sessionId}/${terminal}`}
            grant={grant}
            terminal={terminal}
            visible={terminal === active}
            onState={onState}
            onGone={onGone}
            onReset={startFresh}
            onSearchKey={openSearch}
            register={register}
          />
        ))}
    </div>
  );
}
