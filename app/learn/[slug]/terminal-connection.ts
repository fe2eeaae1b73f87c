import type { ITheme, Terminal as XTerm } from '@xterm/xterm';
import { SUBPROTOCOL, decodeServerMessage, encodeMessage } from '@/lib/protocol';

/**
 * Joins an xterm.js terminal to a sandbox session: create the session over HTTP, then stream
 * the pty over a WebSocket (binary frames: bytes; text frames: JSON control, see lib/protocol).
 *
 * Kept apart from the React component so the component only owns layout and state, and so that
 * every resource made here is released by the one `dispose` it returns.
 */

export type TerminalStatus = 'connecting' | 'live' | 'ended';

export interface TerminalConnection {
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

class SessionRequestError extends Error {
  override readonly name = 'SessionRequestError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** `POST /api/sessions`; throws SessionRequestError with a message fit for the learner. */
async function createSession(scenario: string, signal: AbortSignal): Promise<SessionGrant> {
  let response: Response;
  try {
    response = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario }),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new SessionRequestError('Could not reach the Nestbox server. Is it running?');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message =
      isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string'
        ? body.error.message
        : `The server could not start a sandbox (HTTP ${response.status}).`;
    throw new SessionRequestError(message);
  }
  if (!isRecord(body) || typeof body.sessionId !== 'string' || typeof body.token !== 'string') {
    throw new SessionRequestError('The server sent an unexpected reply when starting a sandbox.');
  }
  return { sessionId: body.sessionId, token: body.token };
}

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
  onStatus: (status: TerminalStatus) => void,
): TerminalConnection {
  const cleanups: (() => void)[] = [];
  const abort = new AbortController();
  // A function, not a variable: the compiler would otherwise assume it cannot change across
  // the awaits below, but dispose() may run at any of them.
  const isDisposed = (): boolean => abort.signal.aborted;

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

    term.writeln(`${DIM}Starting your sandbox…${RESET}`);
    let grant: SessionGrant;
    try {
      grant = await createSession(scenario, abort.signal);
    } catch (error) {
      if (isDisposed()) return;
      const message =
        error instanceof SessionRequestError ? error.message : 'Could not start a sandbox.';
      term.writeln(`${RED}${toTerminalLines(message)}${RESET}`);
      onStatus('ended');
      return;
    }
    if (isDisposed()) return;

    const ws = new WebSocket(terminalUrl(grant), SUBPROTOCOL);
    ws.binaryType = 'arraybuffer';
    let exited = false;
    let sentSize = '';
    const encoder = new TextEncoder();

    const send = (data: Uint8Array | string): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(data);
    };
    // Resize only when the size really changed: every message makes the shell redraw.
    const sendSize = (): void => {
      const size = `${term.cols}x${term.rows}`;
      if (size === sentSize || ws.readyState !== WebSocket.OPEN) return;
      sentSize = size;
      send(encodeMessage({ type: 'resize', cols: term.cols, rows: term.rows }));
    };

    ws.onopen = () => {
      term.reset(); // drop "Starting your sandbox…" so the prompt starts at the top
      onStatus('live');
      sendSize();
      term.focus();
    };
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') {
        term.write(new Uint8Array(event.data));
        return;
      }
      const decoded = decodeServerMessage(event.data);
      if (!decoded.ok) {
        console.warn(`nestbox: ignored a control message: ${decoded.reason}`);
        return;
      }
      const message = decoded.message;
      if (message.type === 'exit') {
        exited = true;
        term.writeln(`\r\n${DIM}[The shell exited with code ${message.code}.]${RESET}`);
        onStatus('ended');
      } else {
        term.writeln(`\r\n${RED}${toTerminalLines(message.message)}${RESET}`);
      }
    };
    ws.onclose = (event) => {
      if (!exited) {
        const reason = event.reason === '' ? '' : `: ${toTerminalLines(event.reason)}`;
        term.writeln(`\r\n${DIM}[Disconnected from the sandbox${reason}.]${RESET}`);
      }
      onStatus('ended');
    };
    ws.onerror = () => {
      // A close event always follows, and it carries the reason we show; nothing to do here.
    };

    const inputs = [
      term.onData((data) => {
        send(encoder.encode(data));
      }),
      term.onBinary((data) => {
        send(binaryStringToBytes(data));
      }),
      term.onResize(sendSize),
    ];
    cleanups.push(() => {
      for (const input of inputs) input.dispose();
      // Detach handlers first so a late close event cannot write to a disposed terminal.
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(1000, 'closed by the page');
    });
  };

  run().catch((error: unknown) => {
    if (isDisposed()) return;
    console.error('nestbox: terminal failed', error);
    onStatus('ended');
  });

  return {
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
