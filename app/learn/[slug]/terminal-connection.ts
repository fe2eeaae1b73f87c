import type { ITheme, Terminal as XTerm } from '@xterm/xterm';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type ServerMessage,
} from '@/lib/protocol';

/**
 * Joins an xterm.js terminal to a sandbox session and keeps it joined: create (or resume) the
 * session over HTTP, stream the pty over a WebSocket (binary frames: bytes; text frames: JSON
 * control, see lib/protocol), ack what xterm has rendered so a flood cannot drown the page, and
 * reconnect with backoff after a drop, asking only for the bytes it has not seen.
 *
 * Kept apart from the React component so the component only owns layout and state, and so that
 * every resource made here is released by the one `dispose` it returns.
 */

export type TerminalStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface TerminalState {
  status: TerminalStatus;
  /** When the session ends unless extended (ms since the epoch), once known. */
  expiresAt: number | undefined;
  /** True when another tab took this terminal over; `reconnect()` takes it back. */
  takenOver: boolean;
}

export interface TerminalConnection {
  /** Asks the server for more time; resolves with the new deadline. */
  extend(): Promise<number>;
  /** Reconnects now (after a takeover, or to skip the backoff wait). */
  reconnect(): void;
  dispose(): void;
}

interface SessionGrant {
  sessionId: string;
  token: string;
}

/** A dark palette in both colour schemes: shell programs pick their colours for dark terminals. */
const THEME: ITheme = {
  background: '#0c0d10',
  foreground: '#e4e4e7',
  cursor: '#34d399',
  cursorAccent: '#0c0d10',
  selectionBackground: '#3f3f46',
};

const FONT_FAMILY =
  'ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace';

const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

/** Acks are coalesced: one per this many rendered bytes, or after ACK_DELAY_MS. */
const ACK_BYTES = 32 * 1024;
const ACK_DELAY_MS = 20;
/** Reconnect backoff: doubles from the first delay up to the cap, with jitter. */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;

class SessionRequestError extends Error {
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

/** `POST /api/sessions`; throws SessionRequestError with a message fit for the learner. */
async function createSession(scenario: string, signal: AbortSignal): Promise<SessionGrant> {
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

/** Does the session still exist? Distinguishes "gone" from "network trouble" after a drop. */
async function sessionExists(grant: SessionGrant, signal: AbortSignal): Promise<boolean> {
  try {
    await requestJson(
      `/api/sessions/${encodeURIComponent(grant.sessionId)}`,
      { headers: { authorization: `Bearer ${grant.token}` }, signal },
      'Could not check the session',
    );
    return true;
  } catch (error) {
    if (error instanceof SessionRequestError && error.gone) return false;
    throw error;
  }
}

/**
 * The grant survives a reload (same tab), so reloading re-attaches to the running sandbox with
 * its scrollback instead of starting a new one. sessionStorage is per tab by design: a second
 * tab of the same lesson gets its own sandbox.
 */
const grantStore = {
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

function terminalUrl({ sessionId, token }: SessionGrant): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = `session=${encodeURIComponent(sessionId)}&token=${encodeURIComponent(token)}`;
  return `${scheme}://${location.host}/api/terminal?${query}`;
}

/** Text from the server may hold bare newlines; a terminal needs CR LF to start a new line. */
function toTerminalLines(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** xterm's onBinary hands us a string of byte values (0-255); UTF-8 encoding would mangle it. */
function binaryStringToBytes(data: string): Uint8Array {
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
  return bytes;
}

export function connectTerminal(
  container: HTMLElement,
  scenario: string,
  onState: (state: TerminalState) => void,
): TerminalConnection {
  const cleanups: (() => void)[] = [];
  const abort = new AbortController();
  // A function, not a variable: the compiler would otherwise assume it cannot change across
  // the awaits below, but dispose() may run at any of them.
  const isDisposed = (): boolean => abort.signal.aborted;

  let state: TerminalState = { status: 'connecting', expiresAt: undefined, takenOver: false };
  const setState = (change: Partial<TerminalState>): void => {
    state = { ...state, ...change };
    onState(state);
  };

  let grant: SessionGrant | undefined;
  let reconnectNow: () => void = () => undefined;

  const run = async (): Promise<void> => {
    // Loaded here, not at module top: xterm touches `window` and must never run during SSR.
    const [{ Terminal }, { FitAddon }] = await Promise.all([
      import('@xterm/xterm'),
      import('@xterm/addon-fit'),
    ]);
    if (isDisposed()) return;

    const term: XTerm = new Terminal({
      cursorBlink: true,
      fontFamily: FONT_FAMILY,
      fontSize: 14,
      scrollback: 5000,
      theme: THEME,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(container);
    cleanups.push(() => {
      term.dispose();
    });

    // Fit on every container size change, at most once per frame.
    let frame = 0;
    const scheduleFit = (): void => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        // proposeDimensions is undefined while the pane is hidden or has no size yet.
        if (fit.proposeDimensions() !== undefined) fit.fit();
      });
    };
    const observer = new ResizeObserver(scheduleFit);
    observer.observe(container);
    cleanups.push(() => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    });
    if (fit.proposeDimensions() !== undefined) fit.fit();

    const failAndEnd = (message: string): void => {
      term.writeln(`${RED}${toTerminalLines(message)}${RESET}`);
      setState({ status: 'ended' });
    };

    term.writeln(`${DIM}Starting your sandbox…${RESET}`);
    grant = grantStore.load(scenario);
    if (grant === undefined) {
      try {
        grant = await createSession(scenario, abort.signal);
      } catch (error) {
        if (isDisposed()) return;
        failAndEnd(
          error instanceof SessionRequestError ? error.message : 'Could not start a sandbox.',
        );
        return;
      }
      if (isDisposed()) return;
      grantStore.save(scenario, grant);
    }
    const session = grant;

    /** Output bytes received so far: what a reconnect asks the server to continue after. */
    let received = 0;
    let pendingAck = 0;
    let ackTimer: ReturnType<typeof setTimeout> | undefined;
    let socket: WebSocket | undefined;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let everAttached = false;
    const encoder = new TextEncoder();

    const send = (data: Uint8Array | ClientMessage): void => {
      if (socket?.readyState !== WebSocket.OPEN) return;
      socket.send(data instanceof Uint8Array ? data : encodeMessage(data));
    };
    const flushAck = (): void => {
      clearTimeout(ackTimer);
      ackTimer = undefined;
      if (pendingAck === 0) return;
      send({ type: 'ack', bytes: pendingAck });
      pendingAck = 0;
    };
    const acknowledge = (bytes: number): void => {
      pendingAck += bytes;
      if (pendingAck >= ACK_BYTES) flushAck();
      else ackTimer ??= setTimeout(flushAck, ACK_DELAY_MS);
    };

    const handleControl = (message: ServerMessage): void => {
      switch (message.type) {
        case 'ready':
          everAttached = true;
          attempt = 0;
          if (message.lost > 0) {
            term.writeln(
              `\r\n${DIM}[${message.lost} bytes of output were lost while you were away.]${RESET}`,
            );
          }
          received = message.offset;
          setState({ status: 'live', expiresAt: message.expiresAt, takenOver: false });
          break;
        case 'expiry':
          setState({ expiresAt: message.expiresAt });
          break;
        case 'exit':
          term.writeln(`\r\n${DIM}[The shell exited with code ${message.code}.]${RESET}`);
          break;
        case 'error':
          term.writeln(
            `\r\n${message.code === 'taken-over' ? DIM : RED}${toTerminalLines(message.message)}${RESET}`,
          );
          break;
        case 'ping':
          send({ type: 'pong', id: message.id });
          break;
        case 'pong':
          break;
      }
    };

    const scheduleReconnect = (): void => {
      setState({ status: 'reconnecting' });
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** attempt);
      attempt++;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
    };

    /** After a connection failed: decide between retrying and a fresh start. */
    const recover = async (): Promise<void> => {
      try {
        if (await sessionExists(session, abort.signal)) {
          scheduleReconnect();
          return;
        }
      } catch {
        if (!isDisposed()) scheduleReconnect(); // network trouble: keep trying
        return;
      }
      if (isDisposed()) return;
      grantStore.clear(scenario);
      failAndEnd(
        everAttached
          ? 'This session has ended.'
          : 'The previous session has ended. Start a new sandbox to continue.',
      );
    };

    function connect(): void {
      if (isDisposed()) return;
      clearTimeout(retryTimer);
      const ws = new WebSocket(terminalUrl(session), SUBPROTOCOL);
      socket = ws;
      ws.binaryType = 'arraybuffer';
      let opened = false;
      ws.onopen = () => {
        opened = true;
        if (!everAttached) term.reset(); // drop "Starting your sandbox…"
        pendingAck = 0;
        send({
          type: 'hello',
          version: PROTOCOL_VERSION,
          terminal: 1,
          offset: received,
          cols: term.cols,
          rows: term.rows,
        });
        term.focus();
      };
      ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
        if (typeof event.data !== 'string') {
          const bytes = new Uint8Array(event.data);
          received += bytes.length;
          term.write(bytes, () => {
            acknowledge(bytes.length);
          });
          return;
        }
        const decoded = decodeServerMessage(event.data);
        if (decoded.ok) handleControl(decoded.message);
        else console.warn(`nestbox: ignored a control message: ${decoded.reason}`);
      };
      ws.onclose = (event) => {
        if (socket !== ws) return;
        socket = undefined;
        clearTimeout(ackTimer);
        ackTimer = undefined;
        if (isDisposed()) return;
        if (event.code === CLOSE_CODES.takenOver) {
          setState({ status: 'ended', takenOver: true });
        } else if (event.code === CLOSE_CODES.sessionEnded || event.code === 1000) {
          grantStore.clear(scenario);
          setState({ status: 'ended' });
        } else if (event.code === CLOSE_CODES.protocolError) {
          failAndEnd(`[Disconnected: ${event.reason || 'protocol error'}.]`);
        } else if (opened) {
          term.writeln(`\r\n${DIM}[Connection lost; reconnecting…]${RESET}`);
          scheduleReconnect();
        } else {
          void recover();
        }
      };
      ws.onerror = () => {
        // A close event always follows and decides what happens next.
      };
    }

    reconnectNow = () => {
      if (socket === undefined && state.status !== 'ended') {
        attempt = 0;
        connect();
      } else if (state.takenOver) {
        connect();
      }
    };
    const onOnline = (): void => {
      if (state.status === 'reconnecting') reconnectNow();
    };
    const onVisible = (): void => {
      if (document.visibilityState === 'visible' && state.status === 'reconnecting') reconnectNow();
    };
    window.addEventListener('online', onOnline);
    document.addEventListener('visibilitychange', onVisible);

    const inputs = [
      term.onData((data) => {
        send(encoder.encode(data));
      }),
      term.onBinary((data) => {
        send(binaryStringToBytes(data));
      }),
      term.onResize(({ cols, rows }) => {
        send({ type: 'resize', cols, rows });
      }),
    ];
    cleanups.push(() => {
      for (const input of inputs) input.dispose();
      window.removeEventListener('online', onOnline);
      document.removeEventListener('visibilitychange', onVisible);
      clearTimeout(retryTimer);
      clearTimeout(ackTimer);
      const ws = socket;
      socket = undefined;
      // Leaving the page is not the end of the session: the server keeps it for a reconnect
      // (a reload) until its orphan timeout.
      ws?.close(1000, 'page closed');
    });

    connect();
  };

  run().catch((error: unknown) => {
    if (isDisposed()) return;
    console.error('nestbox: terminal failed', error);
    setState({ status: 'ended' });
  });

  return {
    async extend() {
      if (grant === undefined) throw new Error('no session yet');
      const body = await requestJson(
        `/api/sessions/${encodeURIComponent(grant.sessionId)}/extend`,
        { method: 'POST', headers: { authorization: `Bearer ${grant.token}` } },
        'Could not extend the session',
      );
      if (typeof body.expiresAt !== 'number') throw new Error('unexpected reply');
      setState({ expiresAt: body.expiresAt });
      return body.expiresAt;
    },
    reconnect() {
      reconnectNow();
    },
    dispose() {
      if (isDisposed()) return;
      abort.abort();
      // Newest first: the socket goes before the observer, the terminal last.
      for (const cleanup of cleanups.reverse()) {
        try {
          cleanup();
        } catch (error) {
          console.error('nestbox: terminal cleanup failed', error);
        }
      }
      cleanups.length = 0;
    },
  };
}
