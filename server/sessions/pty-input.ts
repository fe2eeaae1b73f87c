/**
 * Writes input to a pty master, bounded (InputQueue), instead of node-pty's `write`: node-pty
 * 1.1 queues every write in an unbounded array and retries a full pty on every event-loop turn,
 * so a learner typing into a shell that reads nothing grows the server's memory and spins a
 * core. Here a full pty is retried on a backing-off timer, and the caller learns when to hold
 * back (`write` returns 'hold') and when to go on (`onDrain`).
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

  constructor(
    private readonly fd: number,
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

  /**
   * Stops writing at once. Must be called before node-pty closes the fd: a write after that
   * could land in whatever file reuses the number.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.queue.clear();
    this.drainEmitter.clear();
  }

  /**
   * Writes until the queue is empty or the pty is full. The master is non-blocking (node-pty
   * makes it so), so each write returns at once: in the thread pool instead (fs.write), every
   * keystroke would pay two thread hand-offs on its way to the shell.
   */
  private writeNext(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    for (let data = this.queue.next(WRITE_BYTES); data; data = this.queue.next(WRITE_BYTES)) {
      try {
        this.queue.consumed(writeSync(this.fd, data));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') this.retryLater();
        // EIO: the shell's side of the pty is closed, it is exiting; nothing more can be written.
        else this.close();
        return;
      }
      this.retryMs = 0;
    }
    if (this.holding) {
      this.holding = false;
      this.drainEmitter.emit();
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
