import type { ITheme, Terminal as XTerm } from '@xterm/xterm';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  decodeServerMessage,
  encodeMessage,
  type BroadcastMessage,
  type ClientMessage,
  type ServerMessage,
} from '@/lib/protocol';
import { recordStats } from './resource-history';
import { sessionExists, type SessionGrant } from './session-client';
import { screenReaderMode, subscribeTerminalSettings } from './terminal-settings';

/**
 * Joins one xterm.js terminal to one terminal of a session and keeps it joined: stream the pty
 * over a WebSocket (binary frames: bytes; text frames: JSON control, see lib/protocol), ack
 * what xterm has rendered so a flood cannot drown the page, and reconnect with backoff after a
 * drop, asking only for the bytes it has not seen.
 *
 * Kept apart from the React components so they only own layout and state, and so that every
 * resource made here is released by the one `dispose` it returns.
 */

export type TerminalStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface TerminalState {
  status: TerminalStatus;
  /** When the session ends unless extended (ms since the epoch), once known. */
  expiresAt: number | undefined;
  /** True when another tab took this terminal over; `reconnect()` takes it back. */
  takenOver: boolean;
  /** Instructors watching the session's terminal right now (the shadow view). */
  viewers?: number;
  /** The instructor's latest broadcast this connection was sent. */
  broadcast?: BroadcastMessage;
}

export interface RunOptions {
  /** Send Ctrl-C first, to stop whatever is running. */
  interrupt: boolean;
  /** Press Enter after the command. */
  newline: boolean;
}

export interface TerminalConnection {
  /** Types a command into the shell, as if the learner had. */
  run(command: string, options: RunOptions): void;
  /** Reconnects now (after a takeover, or to skip the backoff wait). */
  reconnect(): void;
  focus(): void;
  /** Refits to the container, e.g. after its tab became visible again. */
  fit(): void;
  /** Selects the next (or previous) match of `text` in the output and scrollback. */
  findNext(text: string): boolean;
  findPrevious(text: string): boolean;
  /** Drops the selection a search left. */
  clearSearch(): void;
  dispose(): void;
}

export interface ConnectOptions {
  grant: SessionGrant;
  terminal: number;
  onState: (state: TerminalState) => void;
  /** The session no longer exists on the server (ended, expired, or from an old server). */
  onGone: () => void;
  /** An instructor reset the sandbox: the page should start a fresh session now. */
  onReset: () => void;
  /** The learner pressed Ctrl+Shift+F in this terminal. */
  onSearchKey: () => void;
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
const CTRL_C = '\x03';
const INTERRUPT_SETTLE_MS = 150;

/** Acks are coalesced: one per this many rendered bytes, or after ACK_DELAY_MS. */
const ACK_BYTES = 32 * 1024;
const ACK_DELAY_MS = 20;
/** Reconnect backoff: doubles from the first delay up to the cap, with jitter. */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15_000;

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

/** Loads xterm and its addons; only in the browser, never during server rendering. */
async function createXterm(container: HTMLElement) {
  const [{ Terminal }, { FitAddon }, { WebLinksAddon }, { SearchAddon }, { Unicode11Addon }] =
    await Promise.all([
      import('@xterm/xterm'),
      import('@xterm/addon-fit'),
      import('@xterm/addon-web-links'),
      import('@xterm/addon-search'),
      import('@xterm/addon-unicode11'),
    ]);
  const term: XTerm = new Terminal({
    allowProposedApi: true, // the unicode11 addon needs it
    cursorBlink: true,
    fontFamily: FONT_FAMILY,
    fontSize: 14,
    scrollback: 5000,
    theme: THEME,
    screenReaderMode: screenReaderMode(),
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(new WebLinksAddon());
  term.loadAddon(new Unicode11Addon());
  term.unicode.activeVersion = '11';
  term.open(container);
  // WebGL draws fastest; without it (old GPU, disabled WebGL, lost context) xterm's DOM
  // renderer takes over, which is slower but always works.
  try {
    const { WebglAddon } = await import('@xterm/addon-webgl');
    const webgl = new WebglAddon();
    webgl.onContextLoss(() => {
      webgl.dispose();
    });
    term.loadAddon(webgl);
  } catch {
    // DOM renderer it is.
  }
  return { term, fit, search };
}

/**
 * The terminal's own keys: Ctrl+Shift+C/V and Ctrl/Shift+Insert copy and paste (the terminal
 * conventions, since Ctrl+C is SIGINT), and Ctrl+Shift+F opens the search.
 */
function installTerminalKeys(term: XTerm, onSearchKey: () => void): void {
  term.attachCustomKeyEventHandler((event) => {
    if (event.type !== 'keydown') return true;
    if (event.ctrlKey && event.shiftKey && event.code === 'KeyF') {
      event.preventDefault(); // not the browser's find-in-page
      onSearchKey();
      return false;
    }
    const copy =
      (event.ctrlKey && event.shiftKey && event.code === 'KeyC') ||
      (event.ctrlKey && event.code === 'Insert');
    const paste =
      (event.ctrlKey && event.shiftKey && event.code === 'KeyV') ||
      (event.shiftKey && event.code === 'Insert');
    if (copy) {
      if (term.hasSelection()) void navigator.clipboard.writeText(term.getSelection());
      return false;
    }
    if (paste) {
      // Chromium also fires a native paste for these keys, which xterm would insert a second
      // time; cancelling the keydown leaves exactly one paste.
      event.preventDefault();
      void navigator.clipboard.readText().then((text) => {
        term.paste(text);
      });
      return false;
    }
    return true;
  });
}

export function connectTerminal(
  container: HTMLElement,
  options: ConnectOptions,
): TerminalConnection {
  const { grant, terminal: terminalNumber } = options;
  const cleanups: (() => void)[] = [];
  const abort = new AbortController();
  // A function, not a variable: the compiler would otherwise assume it cannot change across
  // the awaits below, but dispose() may run at any of them.
  const isDisposed = (): boolean => abort.signal.aborted;

  let state: TerminalState = { status: 'connecting', expiresAt: undefined, takenOver: false };
  const setState = (change: Partial<TerminalState>): void => {
    state = { ...state, ...change };
    options.onState(state);
  };

  // Filled in once xterm has loaded; calls before that are queued by the caller's retries.
  let live: Omit<TerminalConnection, 'dispose'> | undefined;

  const start = async (): Promise<void> => {
    const { term, fit, search } = await createXterm(container);
    if (isDisposed()) {
      term.dispose();
      return;
    }
    cleanups.push(() => {
      term.dispose();
    });
    installTerminalKeys(term, options.onSearchKey);
    cleanups.push(
      subscribeTerminalSettings(() => {
        term.options.screenReaderMode = screenReaderMode();
      }),
    );

    // Fit on every container size change, at most once per frame.
    let frame = 0;
    const fitNow = (): void => {
      // proposeDimensions is undefined while the pane is hidden or has no size yet.
      if (fit.proposeDimensions() !== undefined) fit.fit();
    };
    const scheduleFit = (): void => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        fitNow();
      });
    };
    const observer = new ResizeObserver(scheduleFit);
    observer.observe(container);
    cleanups.push(() => {
      observer.disconnect();
      cancelAnimationFrame(frame);
    });
    fitNow();
    term.writeln(`${DIM}Connecting to your sandbox…${RESET}`);

    /** Output bytes received so far: what a reconnect asks the server to continue after. */
    let received = 0;
    let pendingAck = 0;
    let ackTimer: ReturnType<typeof setTimeout> | undefined;
    let socket: WebSocket | undefined;
    let attempt = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let everAttached = false;
    /** The server said an instructor reset the sandbox (a session-reset error). */
    let resetting = false;
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
          if (!everAttached) term.reset(); // drop "Connecting to your sandbox…"
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
        case 'stats':
          recordStats(message);
          break;
        case 'viewers':
          setState({ viewers: message.viewers });
          break;
        case 'broadcast':
          setState({ broadcast: message });
          break;
        case 'exit':
          term.writeln(`\r\n${DIM}[The shell exited with code ${message.code}.]${RESET}`);
          break;
        case 'error':
          // The close that follows ends this session; the page then starts the fresh one.
          if (message.code === 'session-reset') resetting = true;
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

    /** After a connection failed before opening: retry, or report the session gone. */
    const recover = async (): Promise<void> => {
      try {
        if (await sessionExists(grant, abort.signal)) {
          scheduleReconnect();
          return;
        }
      } catch {
        if (!isDisposed()) scheduleReconnect(); // network trouble: keep trying
        return;
      }
      if (isDisposed()) return;
      setState({ status: 'ended' });
      options.onGone();
    };

    function connect(): void {
      if (isDisposed()) return;
      clearTimeout(retryTimer);
      const ws = new WebSocket(terminalUrl(grant), SUBPROTOCOL);
      socket = ws;
      ws.binaryType = 'arraybuffer';
      let opened = false;
      ws.onopen = () => {
        opened = true;
        pendingAck = 0;
        send({
          type: 'hello',
          version: PROTOCOL_VERSION,
          terminal: terminalNumber,
          offset: received,
          cols: term.cols,
          rows: term.rows,
        });
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
        } else if (event.code === CLOSE_CODES.sessionEnded) {
          setState({ status: 'ended' });
          if (terminalNumber === 1) {
            if (resetting) options.onReset();
            else options.onGone();
          }
        } else if (event.code === 1000) {
          setState({ status: 'ended' }); // this shell exited
          if (terminalNumber === 1) options.onGone();
        } else if (event.code === CLOSE_CODES.protocolError) {
          term.writeln(`\r\n${RED}[Disconnected: ${event.reason || 'protocol error'}.]${RESET}`);
          setState({ status: 'ended' });
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

    const reconnect = (): void => {
      if (socket === undefined && (state.status !== 'ended' || state.takenOver)) {
        attempt = 0;
        connect();
      }
    };
    const onOnline = (): void => {
      if (state.status === 'reconnecting') reconnect();
    };
    const onVisible = (): void => {
      if (document.visibilityState === 'visible' && state.status === 'reconnecting') reconnect();
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

    live = {
      run(command, runOptions) {
        const type = (): void => {
          send(encoder.encode(`${command}${runOptions.newline ? '\r' : ''}`));
        };
        if (runOptions.interrupt) {
          // The shell drops input that arrives while it handles SIGINT: give it a moment.
          send(encoder.encode(CTRL_C));
          setTimeout(type, INTERRUPT_SETTLE_MS);
        } else {
          type();
        }
        term.focus();
      },
      reconnect,
      focus: () => {
        term.focus();
      },
      fit: fitNow,
      findNext: (text) => search.findNext(text),
      findPrevious: (text) => search.findPrevious(text),
      clearSearch: () => {
        search.clearDecorations();
        term.clearSelection();
      },
    };
    connect();
  };

  start().catch((error: unknown) => {
    if (isDisposed()) return;
    console.error('nestbox: terminal failed', error);
    setState({ status: 'ended' });
  });

  return {
    run: (command, runOptions) => live?.run(command, runOptions),
    reconnect: () => live?.reconnect(),
    focus: () => live?.focus(),
    fit: () => live?.fit(),
    findNext: (text) => live?.findNext(text) ?? false,
    findPrevious: (text) => live?.findPrevious(text) ?? false,
    clearSearch: () => live?.clearSearch(),
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
