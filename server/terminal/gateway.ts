/**
 * The terminal gateway: authenticates WebSocket upgrades on /api/terminal, waits for the
 * client's `hello`, and joins the connection to one terminal of one session. It speaks the
 * wire protocol (lib/protocol) and calls only the sessions API, never the sandbox.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  CLOSE_CODES,
  SUBPROTOCOL,
  decodeClientMessage,
  encodeMessage,
  type HelloMessage,
} from '../../lib/protocol/index.js';
import type { Logger } from '../log.js';
import type { FailureLimiter } from '../rate-limit.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { TerminalLimitError, type Session } from '../sessions/session.js';
import { refuseUpgrade } from '../upgrade-refusal.js';
import { Attachment, CLOSE, type AttachmentPolicy, type BroadcastSource } from './attachment.js';

export interface GatewayConfig extends AttachmentPolicy {
  allowedOrigins: readonly string[];
  /** Largest frame a client may send, in bytes; bigger ones close the connection (1009). */
  maxPayloadBytes: number;
  /** A client must say hello within this many ms of connecting. */
  helloTimeoutMs: number;
  /** Connections one session may hold at once, from the upgrade until the socket is gone. */
  maxConnectionsPerSession: number;
  /** Interval of WebSocket pings; a client that misses one is terminated. */
  heartbeatIntervalMs: number;
  /** Failed session/token guesses per client; shared with the HTTP API. */
  authFailures: FailureLimiter;
  logger: Logger;
  /** Told about connections and traffic, for metrics; optional. */
  observer?: GatewayObserver;
  /** The instructor's broadcasts, relayed to every attached page; optional. */
  broadcasts?: BroadcastSource;
}

export type RejectReason =
  | 'origin'
  | 'subprotocol'
  | 'auth'
  | 'rate-limited'
  | 'hello'
  | 'frame'
  | 'input-overflow'
  | 'too-slow'
  | 'too-many-connections';

/** What the gateway reports as it works (lab.ts turns it into Prometheus metrics). */
export interface GatewayObserver {
  rejected(reason: RejectReason): void;
  bytesIn(count: number): void;
  bytesOut(count: number): void;
}

const IGNORE: GatewayObserver = {
  rejected: () => undefined,
  bytesIn: () => undefined,
  bytesOut: () => undefined,
};

export interface TerminalGateway {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open connections, for metrics and tests. */
  readonly connections: number;
  dispose(): Promise<void>;
}

function remoteAddress(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

export function createTerminalGateway(
  registry: SessionRegistry,
  config: GatewayConfig,
): TerminalGateway {
  const observer = config.observer ?? IGNORE;
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPayloadBytes,
    perMessageDeflate: false, // measured slower and 3x the CPU for pty traffic (design.md §5)
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  /** The one attachment per session terminal; a newer one takes over. */
  const attachments = new Map<string, Attachment>();
  const alive = new WeakSet<WebSocket>();
  /**
   * Open sockets per session id. A token holder could otherwise open connections without end:
   * each waits up to helloTimeoutMs for its hello, and one taken over by a reconnect is held by
   * ws for up to 30 s while its close frame waits behind unread output, with its buffers.
   */
  const openPerSession = new Map<string, number>();
  const release = (sessionId: string): void => {
    const left = (openPerSession.get(sessionId) ?? 1) - 1;
    if (left > 0) openPerSession.set(sessionId, left);
    else openPerSession.delete(sessionId);
  };

  const heartbeat = setInterval(() => {
    for (const ws of server.clients) {
      // A socket paused while its shell is behind on input cannot read the pong yet; it is
      // not dead, and the session's idle clock still ends it if it never moves again.
      if (!alive.has(ws) && !ws.isPaused) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, config.heartbeatIntervalMs);
  heartbeat.unref();

  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // One condition at a time, each failure with its own status, before anything is attached.
    const from = remoteAddress(request);
    const origin = request.headers.origin;
    if (!origin || !config.allowedOrigins.includes(origin)) {
      config.logger.warn(
        { event: 'ws-reject', reason: 'origin', status: 403, origin: origin ?? null, from },
        'terminal refused: origin not allowed',
      );
      observer.rejected('origin');
      refuseUpgrade(socket, 403, 'Forbidden origin');
      return;
    }
    const protocols = request.headers['sec-websocket-protocol'] ?? '';
    if (!protocols.split(',').some((protocol) => protocol.trim() === SUBPROTOCOL)) {
      config.logger.warn(
        {
          event: 'ws-reject',
          reason: 'subprotocol',
          status: 400,
          protocols: protocols.slice(0, 200),
          from,
        },
        'terminal refused: no nestbox subprotocol',
      );
      observer.rejected('subprotocol');
      refuseUpgrade(socket, 400, `Subprotocol ${SUBPROTOCOL} required`);
      return;
    }
    if (config.authFailures.isBlocked(from)) {
      config.logger.warn(
        { event: 'ws-reject', reason: 'rate-limited', status: 429, from },
        'terminal refused: too many failed attempts',
      );
      observer.rejected('rate-limited');
      refuseUpgrade(socket, 429, 'Too many failed attempts; wait a minute');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const id = url.searchParams.get('session') ?? '';
    const session = registry.authenticate(id, url.searchParams.get('token') ?? '');
    if (!session) {
      // A page reconnecting to its own ended session is not guessing.
      if (!registry.wasEnded(id)) config.authFailures.recordFailure(from);
      config.logger.warn(
        { event: 'ws-reject', reason: 'auth', status: 403, from },
        'terminal refused: unknown session or wrong token',
      );
      observer.rejected('auth');
      refuseUpgrade(socket, 403, 'Unknown session or wrong token');
      return;
    }
    if ((openPerSession.get(session.id) ?? 0) >= config.maxConnectionsPerSession) {
      config.logger.warn(
        {
          event: 'ws-reject',
          reason: 'too-many-connections',
          status: 429,
          sessionId: session.id,
          from,
        },
        'terminal refused: too many connections to one session',
      );
      observer.rejected('too-many-connections');
      refuseUpgrade(socket, 429, 'Too many connections to this session');
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      // Counted once the socket exists, so a handshake that ws refuses leaves no count behind.
      openPerSession.set(session.id, (openPerSession.get(session.id) ?? 0) + 1);
      ws.once('close', () => {
        release(session.id);
      });
      awaitHello(ws, session, from);
    });
  }

  function awaitHello(ws: WebSocket, session: Session, from: string): void {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Oversized frames (1009) and invalid UTF-8 (1007) are closed by ws itself; it reports them
    // here, and an unhandled 'error' event would take the whole server down.
    ws.on('error', (error) => {
      config.logger.warn(
        { event: 'ws-error', sessionId: session.id, from, error: error.message },
        'terminal connection failed',
      );
    });
    const fail = (code: number, reason: string, detail: string): void => {
      config.logger.warn(
        { event: 'ws-reject', reason: 'hello', sessionId: session.id, from, detail },
        'terminal closed: no valid hello',
      );
      observer.rejected('hello');
      ws.send(encodeMessage({ type: 'error', code: 'bad-hello', message: detail }));
      ws.close(code, reason);
    };
    const timer = setTimeout(() => {
      fail(CLOSE_CODES.protocolError, 'no hello', 'no hello within the time limit');
    }, config.helloTimeoutMs);
    ws.once('close', () => {
      clearTimeout(timer);
    });
    ws.once('message', (data: Buffer, isBinary) => {
      clearTimeout(timer);
      const decoded = isBinary ? undefined : decodeClientMessage(data.toString('utf8'));
      if (decoded?.ok !== true || decoded.message.type !== 'hello') {
        fail(
          CLOSE_CODES.protocolError,
          'bad hello',
          decoded?.ok === false ? decoded.reason : 'the first message must be hello',
        );
        return;
      }
      attach(ws, session, decoded.message, from);
    });
  }

  function attach(ws: WebSocket, session: Session, hello: HelloMessage, from: string): void {
    if (session.ended) {
      ws.close(CLOSE_CODES.sessionEnded, 'session ended');
      return;
    }
    let terminal;
    try {
      terminal = session.openTerminal(hello.terminal, hello);
    } catch (error) {
      const limited = error instanceof TerminalLimitError;
      config.logger.error(
        {
          event: 'terminal-failed',
          sessionId: session.id,
          terminal: hello.terminal,
          from,
          err: error,
        },
        'could not open a terminal',
      );
      ws.send(
        encodeMessage({
          type: 'error',
          code: limited ? 'terminal-limit' : 'sandbox-failed',
          message: limited ? error.message : 'Could not open a shell in the sandbox.',
        }),
      );
      ws.close(CLOSE_CODES.sessionEnded, 'no terminal');
      return;
    }
    terminal.resize(hello.cols, hello.rows);

    const key = `${session.id}/${hello.terminal}`;
    attachments.get(key)?.takeOver();
    const attachment = new Attachment(ws, session, terminal, config, {
      sentBytes: (bytes) => {
        observer.bytesOut(bytes);
      },
      tooSlow: (bufferedBytes) => {
        config.logger.warn(
          {
            event: 'ws-reject',
            reason: 'too-slow',
            sessionId: session.id,
            terminal: hello.terminal,
            from,
            bufferedBytes,
          },
          'terminal closed: client does not read its control messages',
        );
        observer.rejected('too-slow');
      },
      broadcasts: config.broadcasts,
    });
    attachments.set(key, attachment);
    attachment.start(hello.offset);
    config.logger.info(
      {
        event: 'ws-connect',
        sessionId: session.id,
        terminal: hello.terminal,
        offset: hello.offset,
        from,
      },
      'terminal connected',
    );

    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        // Frames ws had already read when it was paused or closed still arrive; after a close
        // they are not the shell's any more.
        if (ws.readyState !== ws.OPEN) return;
        observer.bytesIn(data.length);
        if (!attachment.input(data)) {
          config.logger.warn(
            { event: 'ws-reject', reason: 'input-overflow', sessionId: session.id, from },
            'terminal closed: input overflow',
          );
          observer.rejected('input-overflow');
          attachment.send({
            type: 'error',
            code: 'input-overflow',
            message: 'Input arrived far faster than the shell reads it, so it was dropped.',
          });
          ws.close(CLOSE.policy, 'input overflow');
        }
        return;
      }
      const decoded = decodeClientMessage(data.toString('utf8'));
      if (!decoded.ok) {
        config.logger.warn(
          {
            event: 'ws-reject',
            reason: 'frame',
            sessionId: session.id,
            terminal: hello.terminal,
            from,
            detail: decoded.reason,
          },
          'terminal closed: bad frame',
        );
        observer.rejected('frame');
        attachment.send({ type: 'error', code: 'bad-frame', message: decoded.reason });
        ws.close(CLOSE_CODES.protocolError, 'bad frame');
        return;
      }
      const message = decoded.message;
      switch (message.type) {
        case 'resize':
          attachment.resize(message.cols, message.rows);
          break;
        case 'ack':
          attachment.ack(message.bytes);
          break;
        case 'ping':
          attachment.send({ type: 'pong', id: message.id });
          break;
        case 'pong':
          break;
        case 'hello':
          attachment.send({ type: 'error', code: 'bad-frame', message: 'hello was already said' });
          ws.close(CLOSE_CODES.protocolError, 'second hello');
          break;
      }
    });
    ws.on('close', (code) => {
      config.logger.info(
        { event: 'ws-close', sessionId: session.id, terminal: hello.terminal, code, from },
        'terminal disconnected',
      );
      attachment.detach();
      if (attachments.get(key) === attachment) attachments.delete(key);
    });
  }

  return {
    handleUpgrade,
    get connections() {
      return server.clients.size;
    },
    async dispose() {
      clearInterval(heartbeat);
      for (const client of server.clients) client.close(CLOSE.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
