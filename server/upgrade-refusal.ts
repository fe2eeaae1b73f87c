import type { Duplex } from 'node:stream';

/**
 * Answers an HTTP upgrade that will not become a WebSocket with a plain status, and closes: before
 * the handshake this is the only reply a client (or a browser's console) can read.
 */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}
