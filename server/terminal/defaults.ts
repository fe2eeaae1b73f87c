/**
 * The transport's tuning, in one place. The figures come from design.md §5: batching at 3 ms
 * or 64 KiB, flow control at up to 256 KiB unacked, a small maximum frame.
 */
import { MAX_TERMINALS } from '../../lib/protocol/index.js';

export const TRANSPORT_DEFAULTS = {
  /** Largest frame a client may send; keystrokes and pastes are far smaller. */
  maxPayloadBytes: 64 * 1024,
  /** A client this far behind inside the socket itself is dead or hostile. */
  maxBufferedBytes: 4 * 1024 * 1024,
  helloTimeoutMs: 10_000,
  /** A page opens one per terminal, and for a moment two while it reconnects. */
  maxConnectionsPerSession: 2 * MAX_TERMINALS,
  heartbeatIntervalMs: 30_000,
  replayChunkBytes: 64 * 1024,
  batch: { delayMs: 3, maxBytes: 64 * 1024 },
  /** 20 ms of a slow client's rendering ahead of a Ctrl-C; the least window takes a browser's
   *  acks, coalesced to 32 KiB or 20 ms (app/learn/[slug]/terminal-connection.ts), a few at a time. */
  flow: { maxWindowBytes: 256 * 1024, minWindowBytes: 32 * 1024, aheadMs: 20 },
  /** How often an attached client is sent its sandbox's resource usage (the `stats` message). */
  statsIntervalMs: 1000,
} as const;

/** Failed session/token guesses allowed per client and minute, over HTTP and WebSocket. */
export const AUTH_FAILURE_DEFAULTS = {
  maxFailures: 30,
  windowMs: 60_000,
  maxClients: 10_000,
} as const;
