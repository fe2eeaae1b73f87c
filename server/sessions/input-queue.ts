/**
 * Input on its way to a pty, bounded. The kernel's pty buffer takes a few KiB; when the shell
 * reads nothing the rest waits here. Above `highBytes` the source is asked to hold back (the
 * gateway stops reading the WebSocket); a chunk that would take the queue past `capacityBytes`
 * is refused, so a source that ignores the request cannot grow the server's memory.
 */
export interface InputLimits {
  /** More than this many bytes waiting: the source should send no more until drained. */
  highBytes: number;
  /** Never more than this many bytes waiting; a chunk that does not fit is refused. */
  capacityBytes: number;
}

export class InputQueue {
  private readonly chunks: Buffer[] = [];
  private waiting = 0;

  constructor(private readonly limits: InputLimits) {
    if (!(limits.highBytes > 0 && limits.capacityBytes >= limits.highBytes)) {
      throw new RangeError(`bad input limits ${JSON.stringify(limits)}`);
    }
  }

  /** Bytes queued and not yet written. */
  get pending(): number {
    return this.waiting;
  }

  /** True while the source should hold back. */
  get full(): boolean {
    return this.waiting > this.limits.highBytes;
  }

  /** Queues `chunk`, or returns false and queues nothing if it would exceed the capacity. */
  push(chunk: Buffer): boolean {
    if (this.waiting + chunk.length > this.limits.capacityBytes) return false;
    if (chunk.length === 0) return true;
    this.chunks.push(chunk);
    this.waiting += chunk.length;
    return true;
  }

  /**
   * The next bytes to write, at most `maxBytes` unless the first chunk alone is bigger: small
   * chunks (one keystroke per frame) are joined so a backlog costs few writes.
   */
  next(maxBytes: number): Buffer | undefined {
    let count = 0;
    let bytes = 0;
    while (count < this.chunks.length && bytes + (this.chunks[count]?.length ?? 0) <= maxBytes) {
      bytes += this.chunks[count]?.length ?? 0;
      count++;
    }
    if (count > 1) this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count), bytes));
    return this.chunks[0];
  }

  /** `bytes` at the front of what `next` returned were written. */
  consumed(bytes: number): void {
    const head = this.chunks[0];
    if (!head || bytes <= 0) return;
    const taken = Math.min(bytes, head.length);
    this.waiting -= taken;
    if (taken === head.length) this.chunks.shift();
    else this.chunks[0] = head.subarray(taken);
  }

  /** Drops everything queued (the pty is gone). */
  clear(): void {
    this.chunks.length = 0;
    this.waiting = 0;
  }
}
