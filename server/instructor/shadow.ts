/**
 * The instructor's shadow view: a read-only live mirror of a learner's first terminal over a
 * WebSocket of its own (`/api/instructor/shadow?session=ID`). It sends what the learner's pty
 * printed (the buffered past, then live output) as binary frames and reads nothing: every frame
 * from the instructor's side is dropped, so it cannot type into the learner's shell.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { FailureLimiter } from '../rate-limit.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { refuseUpgrade } from '../upgrade-refusal.js';
import { instructorAccess } from './access.js';

export interface ShadowConfig {
  instructorToken: string | undefined;
  allowedOrigins: readonly string[];
  /** A viewer this many bytes behind is too slow to mirror: it is disconnected. */
  maxBufferedBytes: number;
  /** Shared with the instructor API: a wrong token here counts as a failed guess there too. */
  authFailures: FailureLimiter;
  logger: Logger;
}

export function createShadowServer(registry: SessionRegistry, config: ShadowConfig) {
  const server = new WebSocketServer({ noServer: true, maxPayload: 1024 });

  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const origin = request.headers.origin;
    if (!origin || !config.allowedOrigins.includes(origin)) {
      refuseUpgrade(socket, 403, 'Forbidden origin');
      return;
    }
    const from = request.socket.remoteAddress ?? 'unknown';
    if (config.authFailures.isBlocked(from)) {
      refuseUpgrade(socket, 429, 'Too many failed attempts; wait a minute');
      return;
    }
    if (instructorAccess(config.instructorToken, request) !== 'granted') {
      config.authFailures.recordFailure(from);
      refuseUpgrade(socket, 401, 'Instructor only');
      return;
    }
    const id = new URL(request.url ?? '/', 'http://localhost').searchParams.get('session') ?? '';
    const session = registry.list().find((candidate) => candidate.id === id);
    const terminal = session?.terminal(1);
    if (!session || !terminal) {
      refuseUpgrade(socket, 404, 'No such session');
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => {
      config.logger.info(
        { event: 'shadow-open', sessionId: session.id, from },
        'instructor shadows a session',
      );
      const send = (data: Buffer): void => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > config.maxBufferedBytes) {
          ws.close(1008, 'viewer too slow');
          return;
        }
        ws.send(data, { binary: true });
      };
      send(terminal.outputSince(0).data);
      session.changeViewers(1);
      const output = terminal.onOutput(send);
      const ended = session.onEnd(() => {
        ws.close(1000, 'session ended');
      });
      // Read-only by design: whatever the viewer sends is dropped, never written to the pty.
      ws.on('message', () => undefined);
      ws.on('error', () => undefined);
      ws.on('close', () => {
        config.logger.info({ event: 'shadow-close', sessionId: session.id, from }, 'shadow closed');
        output.dispose();
        ended.dispose();
        session.changeViewers(-1);
      });
    });
  }

  return { handleUpgrade };
}
