'use client';

import { useEffect, useMemo, useState, type SyntheticEvent } from 'react';
import { MAX_BROADCAST_CHARS } from '@/lib/protocol';
import { ShadowPane } from './ShadowPane';

/** One row of GET /api/instructor/sessions (server/instructor/roster.ts). */
interface RosterEntry {
  sessionId: string;
  learner: string;
  scenario: string;
  currentStep: number;
  passedSteps: number[];
  expiresAt: number;
  connected: boolean;
  usage: {
    pids: number;
    pidsMax: number | null;
    memoryBytes: number;
    memoryMaxBytes: number | null;
    cpuUsageNs: number;
    cpuQuotaCores: number;
  } | null;
}

/** What each row's sparklines remember: fractions of the limit, newest last. */
interface Trend {
  pids: number[];
  memory: number[];
  cpu: number[];
  lastCpuNs: number;
  lastAt: number;
}

const POLL_MS = 2000;
/** Two minutes of history at one poll every two seconds. */
const TREND_POINTS = 60;

type SortKey = 'learner' | 'scenario' | 'passed' | 'timeLeft' | 'pids';

function push(values: number[], value: number): number[] {
  return [...values.slice(-(TREND_POINTS - 1)), Math.max(0, Math.min(1, value))];
}

function Sparkline({ values, label }: { values: number[]; label: string }) {
  const points = values
    .map((value, index) => `${(index / (TREND_POINTS - 1)) * 60},${(20 - value * 19).toFixed(1)}`)
    .join(' ');
  return (
    <svg viewBox="0 0 60 20" className="h-5 w-16" role="img" aria-label={label}>
      <polyline points={points} fill="none" className="stroke-emerald-500" strokeWidth={1.5} />
    </svg>
  );
}

/** Extend, reset or end one session (audited on the server); the next poll shows the result. */
async function act(sessionId: string, action: 'extend' | 'reset' | 'end'): Promise<void> {
  await fetch(`/api/instructor/sessions/${encodeURIComponent(sessionId)}/${action}`, {
    method: 'POST',
  }).catch(() => undefined);
}

/** One short message to every learner's page; the server checks its length and rate. */
function BroadcastForm() {
  const [text, setText] = useState('');
  const [result, setResult] = useState<string>();
  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const response = await fetch('/api/instructor/broadcast', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
    }).catch(() => undefined);
    if (response?.ok) {
      setText('');
      setResult('Sent to every learner.');
      return;
    }
    const body = (await response?.json().catch(() => undefined)) as
      { error?: { message?: string } } | undefined;
    setResult(body?.error?.message ?? 'Could not reach the server.');
  };
  return (
    <form
      onSubmit={(event) => void submit(event)}
      className="mt-4 flex flex-wrap items-center gap-2"
    >
      <label htmlFor="broadcast" className="text-sm font-medium">
        Message to every learner
      </label>
      <input
        id="broadcast"
        value={text}
        maxLength={MAX_BROADCAST_CHARS}
        required
        onChange={(event) => {
          setText(event.target.value);
        }}
        className="min-w-64 flex-1 rounded-md border border-zinc-300 px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      />
      <span className="text-xs text-zinc-500 tabular-nums">
        {text.length}/{MAX_BROADCAST_CHARS}
      </span>
      <button type="submit" className="rounded-md bg-emerald-600 px-3 py-1.5 text-sm text-white">
        Broadcast
      </button>
      <p role="status" className="w-full text-sm text-zinc-600 dark:text-zinc-400">
        {result}
      </p>
    </form>
  );
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [error, setError] = useState<string>();
  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = new FormData(event.currentTarget).get('token');
    const response = await fetch('/api/instructor/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (response.ok) onSignedIn();
    else setError('That is not the instructor token.');
  };
  return (
    <form onSubmit={(event) => void submit(event)} className="mt-6 flex max-w-md flex-col gap-2">
      <label htmlFor="token" className="text-sm font-medium">
        Instructor token
      </label>
      <input
        id="token"
        name="token"
        type="password"
        required
        className="rounded-md border border-zinc-300 px-3 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button
        type="submit"
        className="self-start rounded-md bg-emerald-600 px-3 py-1.5 text-sm text-white"
      >
        Sign in
      </button>
      {error && <p className="text-sm text-red-600">{error}</p>}
    </form>
  );
}

/** Every live session, polled from the instructor API, sortable and filtered by scenario. */
export function Roster() {
  const [entries, setEntries] = useState<RosterEntry[]>();
  const [signedIn, setSignedIn] = useState(true);
  const [trends, setTrends] = useState<Record<string, Trend>>({});
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortKey>('learner');
  const [now, setNow] = useState(() => Date.now());
  /** The learner being shadowed; followed to their fresh session after a reset. */
  const [shadowed, setShadowed] = useState<{
    learner: string;
    scenario: string;
    sessionId: string;
  }>();

  useEffect(() => {
    if (!signedIn) return;
    let stopped = false;
    const poll = async () => {
      const response = await fetch('/api/instructor/sessions', { cache: 'no-store' }).catch(
        () => undefined,
      );
      if (stopped || !response) return;
      if (response.status === 401) {
        setSignedIn(false);
        return;
      }
      if (!response.ok) return;
      const { sessions } = (await response.json()) as { sessions: RosterEntry[] };
      const at = Date.now();
      setNow(at);
      setEntries(sessions);
      setTrends((previous) => {
        const next: Record<string, Trend> = {};
        for (const entry of sessions) {
          const usage = entry.usage;
          const old = previous[entry.sessionId];
          if (!usage) {
            if (old) next[entry.sessionId] = old;
            continue;
          }
          const cores = old
            ? (usage.cpuUsageNs - old.lastCpuNs) / Math.max(1, at - old.lastAt) / 1e6
            : 0;
          next[entry.sessionId] = {
            pids: push(old?.pids ?? [], usage.pidsMax ? usage.pids / usage.pidsMax : 0),
            memory: push(
              old?.memory ?? [],
              usage.memoryMaxBytes ? usage.memoryBytes / usage.memoryMaxBytes : 0,
            ),
            cpu: push(old?.cpu ?? [], cores / usage.cpuQuotaCores),
            lastCpuNs: usage.cpuUsageNs,
            lastAt: at,
          };
        }
        return next;
      });
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [signedIn]);

  const scenarios = useMemo(
    () => [...new Set((entries ?? []).map((entry) => entry.scenario))].sort(),
    [entries],
  );
  const rows = useMemo(() => {
    const key: Record<SortKey, (entry: RosterEntry) => string | number> = {
      learner: (entry) => entry.learner,
      scenario: (entry) => entry.scenario,
      passed: (entry) => -entry.passedSteps.length,
      timeLeft: (entry) => entry.expiresAt,
      pids: (entry) => -(entry.usage?.pids ?? 0),
    };
    return (entries ?? [])
      .filter((entry) => filter === '' || entry.scenario === filter)
      .sort((a, b) => {
        const [x, y] = [key[sort](a), key[sort](b)];
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }, [entries, filter, sort]);

  const shadowTarget =
    shadowed &&
    ((entries ?? []).find((entry) => entry.sessionId === shadowed.sessionId) ??
      (entries ?? []).find(
        (entry) => entry.learner === shadowed.learner && entry.scenario === shadowed.scenario,
      ));

  if (!signedIn) {
    return (
      <SignIn
        onSignedIn={() => {
          setSignedIn(true);
        }}
      />
    );
  }
  const header = (label: string, key: SortKey) => (
    <th className="px-2 py-1 text-left font-medium">
      <button
        type="button"
        onClick={() => {
          setSort(key);
        }}
        aria-pressed={sort === key}
      >
        {label}
        {sort === key ? ' ↓' : ''}
      </button>
    </th>
  );
  return (
    <section className="mt-6">
      <a href="/api/instructor/progress.csv" className="float-right text-sm underline">
        Export progress (CSV)
      </a>
      <BroadcastForm />
      <label className="text-sm">
        Scenario{' '}
        <select
          value={filter}
          onChange={(event) => {
            setFilter(event.target.value);
          }}
          className="rounded border border-zinc-300 px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
        >
          <option value="">All</option>
          {scenarios.map((scenario) => (
            <option key={scenario}>{scenario}</option>
          ))}
        </select>
      </label>
      <table className="mt-4 w-full text-sm" data-testid="roster">
        <thead>
          <tr className="border-b border-zinc-200 dark:border-zinc-800">
            {header('Learner', 'learner')}
            {header('Scenario', 'scenario')}
            <th className="px-2 py-1 text-left font-medium">Step</th>
            {header('Passed', 'passed')}
            {header('Time left', 'timeLeft')}
            <th className="px-2 py-1 text-left font-medium">Connection</th>
            {header('Pids', 'pids')}
            <th className="px-2 py-1 text-left font-medium">Memory</th>
            <th className="px-2 py-1 text-left font-medium">CPU</th>
            <th className="px-2 py-1 text-left font-medium">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((entry) => {
            const trend = trends[entry.sessionId];
            return (
              <tr
                key={entry.sessionId}
                data-session={entry.sessionId}
                className="border-b border-zinc-100 dark:border-zinc-900"
              >
                <td className="px-2 py-1 font-mono">
                  <button
                    type="button"
                    className="underline"
                    title="Watch this learner's terminal (read-only)"
                    aria-pressed={shadowTarget?.sessionId === entry.sessionId}
                    onClick={() => {
                      setShadowed({
                        learner: entry.learner,
                        scenario: entry.scenario,
                        sessionId: entry.sessionId,
                      });
                    }}
                  >
                    {entry.learner.slice(0, 8)}
                  </button>
                </td>
                <td className="px-2 py-1">{entry.scenario}</td>
                <td className="px-2 py-1">{entry.currentStep}</td>
                <td className="px-2 py-1">{entry.passedSteps.length}</td>
                <td className="px-2 py-1" data-testid="time-left">
                  {Math.max(0, Math.round((entry.expiresAt - now) / 60_000))} min
                </td>
                <td className="px-2 py-1">{entry.connected ? 'connected' : 'away'}</td>
                <td className="px-2 py-1">
                  <Sparkline values={trend?.pids ?? []} label="pids against the limit" />
                </td>
                <td className="px-2 py-1">
                  <Sparkline values={trend?.memory ?? []} label="memory against the limit" />
                </td>
                <td className="px-2 py-1">
                  <Sparkline values={trend?.cpu ?? []} label="CPU against the quota" />
                </td>
                <td className="flex gap-2 px-2 py-1">
                  <button
                    type="button"
                    className="underline"
                    onClick={() => void act(entry.sessionId, 'extend')}
                  >
                    Extend
                  </button>
                  <button
                    type="button"
                    className="underline"
                    onClick={() => {
                      if (
                        window.confirm(
                          "Reset this learner's sandbox? Everything in it is lost; their progress is kept and a fresh sandbox starts.",
                        )
                      ) {
                        void act(entry.sessionId, 'reset');
                      }
                    }}
                  >
                    Reset
                  </button>
                  <button
                    type="button"
                    className="text-red-600 underline"
                    onClick={() => {
                      if (window.confirm('End this session? Its sandbox is removed.')) {
                        void act(entry.sessionId, 'end');
                      }
                    }}
                  >
                    End
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {entries && rows.length === 0 && (
        <p className="mt-4 text-sm text-zinc-500">No sessions{filter ? ` in ${filter}` : ''}.</p>
      )}
      {shadowed && shadowTarget && (
        <ShadowPane
          key={shadowTarget.sessionId}
          sessionId={shadowTarget.sessionId}
          label={`${shadowTarget.learner.slice(0, 8)} in ${shadowTarget.scenario}`}
          onClose={() => {
            setShadowed(undefined);
          }}
        />
      )}
    </section>
  );
}
