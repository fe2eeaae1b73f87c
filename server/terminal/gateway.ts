/**
 * The terminal gateway: authenticates WebSocket upgrades on /api/terminal and bridges one
 * connection to one session. It speaks the wire protocol (lib/protocol) and calls only the
 * sessions API, never the sandbox.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SUBPROTOCOL, decodeClientMessage, encodeMessage } from '../../lib/protocol/index.js';
import type { Session } from '../sessions/session.js';
import type { SessionRegistry } from '../sessions/registry.js';

export interface GatewayConfig {
  allowedOrigins: readonly string[];
  /** Largest frame a client may send, in bytes; bigger ones close the connection (1009). */
  maxPayloadBytes: number;
  /** A client this many bytes behind on output is treated as dead and disconnected. */
  maxBufferedBytes: number;
}

export interface TerminalGateway {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  dispose(): Promise<void>;
}

/** Close codes from RFC 6455 §7.4.1. */
const CLOSE = { normal: 1000, goingAway: 1001, unsupportedData: 1003, tooSlow: 1008 } as const;

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}

export function createTerminalGateway(
  registry: SessionRegistry,
  config: GatewayConfig,
): TerminalGateway {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPayloadBytes,
    perMessageDeflate: false, // measured slower and 3x the CPU for pty traffic (design.md §5)
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    // One condition at a time, each failure with its own status, before anything is attached.
    const origin = request.headers.origin;
    if (!origin || !config.allowedOrigins.includes(origin)) {
      reject(socket, 403, 'Forbidden origin');
      return;
    }
    const protocols = request.headers['sec-websocket-protocol'] ?? '';
    if (!protocols.split(',').some((protocol) => protocol.trim() === SUBPROTOCOL)) {
      reject(socket, 400, `Subprotocol ${SUBPROTOCOL} required`);
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const session = registry.authenticate(
      url.searchParams.get('session') ?? '',
      url.searchParams.get('token') ?? '',
    );
    if (!session) {
      reject(socket, 403, 'Unknown session or wrong token');
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      attach(ws, session);
    });
  }

  function attach(ws: WebSocket, session: Session): void {
    registry.markAttached(session.id);
    // Whatever the shell printed before the client arrived (the first prompt, usually).
    const { data } = session.outputSince(0);
    if (data.length > 0) ws.send(data, { binary: true });

    const output = session.onOutput((chunk) => {
      if (ws.bufferedAmount > config.maxBufferedBytes) {
        ws.close(CLOSE.tooSlow, 'client too slow');
        return;
      }
      ws.send(chunk, { binary: true });
    });
    const exit = session.onExit((code) => {
      ws.send(encodeMessage({ type: 'exit', code }));
      ws.close(CLOSE.normal, 'shell exited');
    });

    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        session.write(data);
        return;
      }
      const decoded = decodeClientMessage(data.toString('utf8'));
      if (!decoded.ok) {
        ws.send(encodeMessage({ type: 'error', code: 'bad-frame', message: decoded.reason }));
        ws.close(CLOSE.unsupportedData, 'bad frame');
        return;
      }
      session.resize(decoded.message.cols, decoded.message.rows);
    });

    // Oversized frames (1009) and invalid UTF-8 (1007) are closed by ws itself; it reports them
    // here, and an unhandled 'error' event would take the whole server down.
    ws.on('error', () => undefined);

    ws.on('close', () => {
      output.dispose();
      exit.dispose();
      // The walking skeleton has no reconnect yet: a closed connection ends the session.
      void registry.end(session.id);
    });
  }

  return {
    handleUpgrade,
    async dispose() {
      for (const client of server.clients) client.close(CLOSE.goingAway, 'server shutting down');
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
