/**
 * The browser's side of the session HTTP API: create a session, check it still exists, extend
 * it, end it, and remember its grant for this tab so a reload re-attaches.
 */

export interface SessionGrant {
  sessionId: string;
  token: string;
}

export class SessionRequestError extends Error {
  override readonly name = 'SessionRequestError';

  constructor(
    message: string,
    /** The server answered that this session no longer exists (or was never ours). */
    readonly gone = false,
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** One request; any failure becomes a SessionRequestError with a message fit for the learner. */
async function requestJson(
  url: string,
  init: RequestInit,
  failure: string,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new SessionRequestError('Could not reach the Nestbox server. Is it running?');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message =
      isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string'
        ? body.error.message
        : `${failure} (HTTP ${response.status}).`;
    throw new SessionRequestError(message, response.status === 403);
  }
  if (!isRecord(body)) throw new SessionRequestError(`${failure}: unexpected reply.`);
  return body;
}

function sessionUrl(grant: SessionGrant, action = ''): string {
  return `/api/sessions/${encodeURIComponent(grant.sessionId)}${action}`;
}

function bearer(grant: SessionGrant): HeadersInit {
  return { authorization: `Bearer ${grant.token}` };
}

/** `POST /api/sessions`: a fresh sandbox for this scenario. */
export async function createSession(scenario: string, signal: AbortSignal): Promise<SessionGrant> {
  const body = await requestJson(
    '/api/sessions',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario }),
      signal,
    },
    'The server could not start a sandbox',
  );
  if (typeof body.sessionId !== 'string' || typeof body.token !== 'string') {
    throw new SessionRequestError('The server sent an unexpected reply when starting a sandbox.');
  }
  return { sessionId: body.sessionId, token: body.token };
}

/** Does the session still exist? Tells "gone" from "network trouble" after a drop. */
export async function sessionExists(grant: SessionGrant, signal: AbortSignal): Promise<boolean> {
  try {
    await requestJson(
      sessionUrl(grant),
      { headers: bearer(grant), signal },
      'Could not check the session',
    );
    return true;
  } catch (error) {
    if (error instanceof SessionRequestError && error.gone) return false;
    throw error;
  }
}

/** Asks for more time; resolves with the new deadline (ms since the epoch). */
export async function extendSession(grant: SessionGrant): Promise<number> {
  const body = await requestJson(
    sessionUrl(grant, '/extend'),
    { method: 'POST', headers: bearer(grant) },
    'Could not extend the session',
  );
  if (typeof body.expiresAt !== 'number') throw new SessionRequestError('Unexpected reply.');
  return body.expiresAt;
}

/** Ends the session and its sandbox now (the "reset environment" button). */
export async function endSession(grant: SessionGrant): Promise<void> {
  try {
    await requestJson(
      sessionUrl(grant),
      { method: 'DELETE', headers: bearer(grant) },
      'Could not end the session',
    );
  } catch (error) {
    if (!(error instanceof SessionRequestError && error.gone)) throw error;
  }
}

/** What the server knows of one page's background script (see server/scenarios/lesson-runtime). */
export interface PageBackground {
  state: 'running' | 'succeeded' | 'failed';
  /** Where its output went, inside the sandbox. */
  log: string;
  /** Why it could not even start, when that is why it failed. */
  error?: string;
}

/** Background scripts by page index (0 the intro, then the steps, then the finish). */
export type BackgroundStates = Record<string, PageBackground>;

function backgroundStatesOf(body: Record<string, unknown>): BackgroundStates {
  return isRecord(body.pages) ? (body.pages as BackgroundStates) : {};
}

/**
 * `POST .../open`: the learner opened page `page`. The server starts its background script
 * once per session, and answers its foreground text only the first time.
 */
export async function openPage(
  grant: SessionGrant,
  page: number,
): Promise<{ foreground: string | undefined; pages: BackgroundStates }> {
  const body = await requestJson(
    sessionUrl(grant, '/open'),
    {
      method: 'POST',
      headers: { authorization: `Bearer ${grant.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ page }),
    },
    'Could not open the page in the sandbox',
  );
  return {
    foreground: typeof body.foreground === 'string' ? body.foreground : undefined,
    pages: backgroundStatesOf(body),
  };
}

/** `GET .../background`: the states of the background scripts this session started. */
export async function backgroundStates(
  grant: SessionGrant,
  signal: AbortSignal,
): Promise<BackgroundStates> {
  const body = await requestJson(
    sessionUrl(grant, '/background'),
    { headers: bearer(grant), signal },
    'Could not ask how the preparation is going',
  );
  return backgroundStatesOf(body);
}

/**
 * The grant survives a reload (same tab), so reloading re-attaches to the running sandbox with
 * its scrollback instead of starting a new one. sessionStorage is per tab by design: a second
 * browser tab of the same lesson gets its own sandbox.
 */
export const grantStore = {
  key: (scenario: string) => `nestbox:session:${scenario}`,
  load(scenario: string): SessionGrant | undefined {
    try {
      const value: unknown = JSON.parse(sessionStorage.getItem(this.key(scenario)) ?? 'null');
      return isRecord(value) &&
        typeof value.sessionId === 'string' &&
        typeof value.token === 'string'
        ? { sessionId: value.sessionId, token: value.token }
        : undefined;
    } catch {
      return undefined;
    }
  },
  save(scenario: string, grant: SessionGrant): void {
    sessionStorage.setItem(this.key(scenario), JSON.stringify(grant));
  },
  clear(scenario: string): void {
    sessionStorage.removeItem(this.key(scenario));
  },
};
