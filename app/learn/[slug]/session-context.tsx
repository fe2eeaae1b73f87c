'use client';

import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import {
  createSession,
  grantStore,
  SessionRequestError,
  type SessionGrant,
} from './session-client';

/**
 * The lesson's sandbox session, shared by the terminal (which attaches to it) and the steps
 * (whose Check runs in it). `restart` throws the grant away and starts a fresh session.
 */
export interface LessonSession {
  grant: SessionGrant | undefined;
  error: string | undefined;
  /** Bumped on every restart, so consumers can reset their own state. */
  generation: number;
  restart: () => void;
}

const Context = createContext<LessonSession | undefined>(undefined);

export function useLessonSession(): LessonSession {
  const session = useContext(Context);
  if (session === undefined) throw new Error('useLessonSession needs a <LessonSessionProvider>');
  return session;
}

export function LessonSessionProvider({
  scenario,
  children,
}: {
  scenario: string;
  children: ReactNode;
}) {
  const [generation, setGeneration] = useState(0);
  const key = `${scenario}#${String(generation)}`;
  const [result, setResult] = useState<{ key: string; grant?: SessionGrant; error?: string }>();

  useEffect(() => {
    const abort = new AbortController();
    const obtain = async (): Promise<SessionGrant> => {
      const stored = grantStore.load(scenario);
      if (stored) return stored;
      const created = await createSession(scenario, abort.signal);
      grantStore.save(scenario, created);
      return created;
    };
    obtain().then(
      (grant) => {
        if (!abort.signal.aborted) setResult({ key, grant });
      },
      (reason: unknown) => {
        if (abort.signal.aborted) return;
        const error =
          reason instanceof SessionRequestError ? reason.message : 'Could not start a sandbox.';
        setResult({ key, error });
      },
    );
    return () => {
      abort.abort();
    };
  }, [scenario, key]);

  const restart = useCallback(() => {
    grantStore.clear(scenario);
    setGeneration((n) => n + 1);
  }, [scenario]);

  // A result for an earlier scenario or generation is stale: report "still starting".
  const current = result?.key === key ? result : undefined;
  return (
    <Context.Provider value={{ grant: current?.grant, error: current?.error, generation, restart }}>
      {children}
    </Context.Provider>
  );
}
