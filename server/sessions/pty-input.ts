/**
 * Writes input to a pty master, bounded (InputQueue), instead of node-pty's `write`: node-pty
 * 1.1 queues every write in an unbounded array and retries a full pty on every event-loop turn,
 * so a learner typing into a shell that reads nothing grows the server's memory and spins a
 * core. Here a full pty is retried on a backing-off timer, and the caller learns when to hold
 * back (`write` returns 'hold') and when to go on (`onDrain`).
 *
 * The fd is node-pty's, and node-pty closes it (destroying its read socket closes the fd at once)
 * before it says so with 'close': a tick later after a read error, or a whole event-loop phase
 * later when it gives up on a socket after the shell's exit. A write in that gap fails with
 * EBADF, or lands in whatever file has just reused the number (another learner's pty). So every
 * write is synchronous (on a non-blocking fd it never blocks: a full pty answers EAGAIN), none
 * sits in the thread pool across a close, and each first asks `isOpen`, which reads the socket's
 * state that is set in the same call that closes the fd.
 */
import { writeSync } from 'node:fs';
import { Emitter, type Disposable } from './disposable.js';
import { InputQueue, type InputLimits } from './input-queue.js';

/**
 * Per terminal: the source holds back above 64 KiB waiting; what it sends after being asked to
 * (a WebSocket that has already read its next chunk) fits well within 256 KiB.
 */
export const PTY_INPUT_LIMITS: InputLimits = { highBytes: 64 * 1024, capacityBytes: 256 * 1024 };

/** A backlog is written in pieces of this size, about what a pty's kernel buffer takes. */
const WRITE_BYTES = 16 * 1024;
/** A full pty is tried again after 1 ms, doubling up to this; any progress starts over at 1. */
const MAX_RETRY_MS = 16;

/** 'hold': taken, but send no more until `onDrain`; 'refused': over capacity, dropped. */
export type InputAdmission = 'taken' | 'hold' | 'refused';

export class PtyInput {
  private readonly queue: InputQueue;
  private readonly drainEmitter = new Emitter<void>();
  /** Set while a full pty waits to be tried again. */
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 0;
  /** The source was told to hold back and waits for `onDrain`. */
  private holding = false;
  private closed = false;

  /**
   * @param fd a non-blocking pty master
   * @param isOpen false from the moment the fd is closed (or is about to be) by its owner
   */
  constructor(
    private readonly fd: number,
    private readonly isOpen: () => boolean,
    limits: InputLimits = PTY_INPUT_LIMITS,
  ) {
    this.queue = new InputQueue(limits);
  }

  /** Bytes taken and not yet written to the pty. */
  get pending(): number {
    return this.queue.pending;
  }

  write(data: Buffer): InputAdmission {
    if (this.closed) return 'taken'; // the shell is gone; its exit is reported elsewhere
    if (!this.queue.push(data)) return 'refused';
    this.writeNext();
    if (!this.queue.full) return 'taken';
    this.holding = true;
    return 'hold';
  }

  /** Called when everything taken has been written after a 'hold'. */
  onDrain(listener: () => void): Disposable {
    return this.drainEmitter.on(listener);
  }

  /** Stops writing at once, dropping what is queued. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.queue.clear();
    this.drainEmitter.clear();
  }

  private writeNext(): void {
    while (!this.closed && this.retryTimer === undefined) {
      if (!this.isOpen()) {
        this.close();
        return;
      }
      const data = this.queue.next(WRITE_BYTES);
      if (!data) {
        if (this.holding) {
          this.holding = false;
          this.drainEmitter.emit();
        }
        return;
      }
      let written: number;
      try {
        written = writeSync(this.fd, data);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          this.retryLater();
          return;
        }
        // EIO: the shell's side of the pty is closed, it is exiting; its exit is reported by
        // the pty. Anything else is a defect here (the fd is open and ours), not the learner's.
        this.close();
        if (code === 'EIO') return;
        throw error;
      }
      this.retryMs = 0;
      this.queue.consumed(written);
    }
  }

  private retryLater(): void {
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2 || 1);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.writeNext();
    }, this.retryMs);
  }
}
