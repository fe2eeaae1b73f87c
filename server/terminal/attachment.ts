/**
 * One WebSocket joined to one terminal of a session, after a valid `hello`: replay of what the
 * client missed, batched output under ack-based flow control, input, resize, and a heartbeat.
 * Every listener it registers is released by `detach`.
 */
import type { WebSocket } from 'ws';
import {
  CLOSE_CODES,
  encodeMessage,
  type BroadcastMessage,
  type ServerMessage,
} from '../../lib/protocol/index.js';
import type { Disposable } from '../sessions/disposable.js';
import { endMessage, type Session } from '../sessions/session.js';
import type { Terminal } from '../sessions/terminal.js';
import { OutputBatcher, type BatchPolicy } from './batcher.js';
import { FlowController, type FlowPolicy } from './flow-control.js';

export interface AttachmentPolicy {
  batch: BatchPolicy;
  flow: FlowPolicy;
  /** A client this many bytes behind in the socket itself is dead or hostile: disconnect it. */
  maxBufferedBytes: number;
  /** Replay is sent in frames of at most this size. */
  replayChunkBytes: number;
  /** How often the client is sent a `stats` message with its sandbox's resource usage. */
  statsIntervalMs: number;
}

/** The instructor's broadcasts, as the gateway needs them (server/instructor/broadcast.ts). */
export interface BroadcastSource {
  /** The latest broadcast while it is still current. */
  current(): BroadcastMessage | undefined;
  onBroadcast(listener: (message: BroadcastMessage) => void): Disposable;
}

/** What an attachment reports or relays besides its own terminal; both optional. */
export interface AttachmentHooks {
  /** Counts output bytes sent, for metrics. */
  sentBytes?: (count: number) => void;
  /** Told when the connection is cut off for not reading its control messages. */
  tooSlow?: (bufferedBytes: number) => void;
  broadcasts?: BroadcastSource | undefined;
}

/** Close codes from RFC 6455 §7.4.1. */
export const CLOSE = { normal: 1000, goingAway: 1001, policy: 1008 } as const;

export class Attachment {
  private readonly disposables: Disposable[] = [];
  private readonly batcher: OutputBatcher;
  private readonly flow: FlowController;
  private detached = false;
  private statsTimer: NodeJS.Timeout | undefined;
  /** A read still in flight (a loaded host) is not doubled up by the next tick. */
  private readingStats = false;

  constructor(
    private readonly ws: WebSocket,
    readonly session: Session,
    readonly terminal: Terminal,
    private readonly policy: AttachmentPolicy,
    private readonly hooks: AttachmentHooks = {},
  ) {
    this.flow = new FlowController(policy.flow, terminal, (frame) => this.sendFrame(frame));
    this.batcher = new OutputBatcher(policy.batch, (data) => {
      this.flow.send(data);
    });
  }

  /** Sends `ready` and the output after `offset`, then streams live output. */
  start(offset: number): void {
    const replay = this.terminal.outputSince(offset);
    this.send({
      type: 'ready',
      terminal: this.terminal.number,
      offset: replay.start,
      lost: replay.lost,
      expiresAt: this.session.expiresAt,
    });
    for (let at = 0; at < replay.data.length; at += this.policy.replayChunkBytes) {
      this.flow.send(replay.data.subarray(at, at + this.policy.replayChunkBytes));
    }
    this.session.attached();
    if (this.session.viewers > 0) this.send({ type: 'viewers', viewers: this.session.viewers });
    const broadcast = this.hooks.broadcasts?.current();
    if (broadcast) this.send(broadcast);
    this.statsTimer = setInterval(() => {
      void this.sendStats();
    }, this.policy.statsIntervalMs);
    this.statsTimer.unref();
    this.disposables.push(
      this.terminal.onOutput((chunk) => {
        this.batcher.push(chunk);
      }),
      this.terminal.onInputDrain(() => {
        this.ws.resume();
        this.flow.setAcksUnreadable(false);
      }),
      this.terminal.onExit((code) => {
        this.flushOutput();
        this.send({ type: 'exit', code });
        this.ws.close(CLOSE.normal, 'shell exited');
      }),
      this.session.onExpiry((expiresAt) => {
        this.send({ type: 'expiry', expiresAt });
      }),
      this.session.onViewers((viewers) => {
        this.send({ type: 'viewers', viewers });
      }),
      this.session.onEnd((reason) => {
        if (reason === 'exited') return; // the terminal's own exit message says it
        this.flushOutput();
        const code = reason === 'reset' ? 'session-reset' : 'session-ended';
        this.send({ type: 'error', code, message: endMessage(reason) });
        this.ws.close(CLOSE_CODES.sessionEnded, reason);
      }),
    );
    if (this.hooks.broadcasts) {
      this.disposables.push(
        this.hooks.broadcasts.onBroadcast((message) => {
          this.send(message);
        }),
      );
    }
  }

  /**
   * Passes keystrokes to the shell. While the shell is behind, the WebSocket is not read (TCP
   * slows the sender down) until the terminal has taken everything. Returns false if the input
   * was dropped, which only a client that sends past that can cause.
   */
  input(data: Buffer): boolean {
    this.session.noteInput();
    this.batcher.noteInput();
    const admission = this.terminal.write(data);
    if (admission === 'hold') {
      this.ws.pause();
      this.flow.setAcksUnreadable(true);
    }
    return admission !== 'refused';
  }

  resize(cols: number, rows: number): void {
    this.terminal.resize(cols, rows);
  }

  ack(bytes: number): void {
    this.flow.acked(bytes);
  }

  /**
   * Control messages are bounded like output (sendFrame): a client that floods pings and never
   * reads its pongs, or stops reading its stats, would otherwise pile them up in the server's
   * memory without end. Past the same bound the client is not reading, so the connection is
   * terminated (a close frame would only queue behind the rest); the session stays for a
   * reconnect. Closing beats dropping: the browser never pings, and a connection that silently
   * loses replies is worse than one that visibly ends and reconnects.
   */
  send(message: ServerMessage): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.policy.maxBufferedBytes) {
      this.hooks.tooSlow?.(buffered);
      this.ws.terminate();
      return;
    }
    this.ws.send(encodeMessage(message));
  }

  /** Another tab attached to the same terminal: tell this one, and let it go. */
  takeOver(): void {
    this.send({
      type: 'error',
      code: 'taken-over',
      message: 'This terminal was opened in another tab or window.',
    });
    this.ws.close(CLOSE_CODES.takenOver, 'taken over');
    this.detach();
  }

  /** Releases every listener; output keeps flowing into the terminal's buffer for a reconnect. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    clearInterval(this.statsTimer);
    for (const disposable of this.disposables) disposable.dispose();
    this.batcher.dispose();
    this.flow.release();
    this.session.detached();
  }

  private async sendStats(): Promise<void> {
    if (this.readingStats || this.session.ended) return;
    this.readingStats = true;
    try {
      const usage = await this.session.usage();
      if (!this.detached) this.send({ type: 'stats', at: Date.now(), ...usage });
    } catch {
      // The sandbox is going away between ticks; the session's end message says so.
    } finally {
      this.readingStats = false;
    }
  }

  /** The last output before the connection closes goes out whatever the window. */
  private flushOutput(): void {
    this.batcher.flush();
    this.flow.flush();
  }

  /** Returns whether the frame went out. */
  private sendFrame(frame: Buffer): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > this.policy.maxBufferedBytes) {
      this.ws.close(CLOSE.policy, 'client too slow');
      return false;
    }
    this.ws.send(frame, { binary: true });
    this.hooks.sentBytes?.(frame.length);
    return true;
  }
}
