/**
 * What every benchmark client has in common, whatever its wire protocol: output goes through a
 * model of the browser's terminal (which may render slowly), and measurements wait for text to
 * have been *processed* by that model, not merely received, because that is when a user sees it.
 */
import { performance } from 'node:perf_hooks';

interface Pending {
  chunk: Buffer;
  /** Called once the chunk is processed: where a protocol sends its ack or next poll. */
  done: (() => void) | undefined;
}

/**
 * A terminal that renders at `rate` bytes per second (undefined: instantly). Chunks are rendered
 * in order against a virtual clock: a late timer renders every chunk that is due by then, so
 * timer granularity never slows the rate below `rate` however small the chunks are.
 */
class Renderer {
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  /** When everything rendered so far was done (ms, performance.now()). */
  private clock = 0;
  private timer: NodeJS.Timeout | undefined;
  private rate: number | undefined;

  constructor(private readonly deliver: (chunk: Buffer) => void) {}

  get backlog(): number {
    return this.queuedBytes;
  }

  setRate(bytesPerSecond: number | undefined): void {
    this.rate = bytesPerSecond;
    if (bytesPerSecond === undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      while (this.queue.length > 0) this.next();
    }
  }

  push(chunk: Buffer, done: (() => void) | undefined): void {
    if (this.rate === undefined && this.queue.length === 0) {
      this.deliver(chunk);
      done?.();
      return;
    }
    // An idle renderer starts on a new chunk now, not when it last finished.
    if (this.queue.length === 0) this.clock = Math.max(this.clock, performance.now());
    this.queue.push({ chunk, done });
    this.queuedBytes += chunk.length;
    this.schedule();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  private finishOf(pending: Pending, rate: number): number {
    return this.clock + (pending.chunk.length / rate) * 1000;
  }

  private schedule(): void {
    const head = this.queue[0];
    if (this.timer || !head || this.rate === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.renderDue();
      },
      Math.max(0, this.finishOf(head, this.rate) - performance.now()),
    );
  }

  private renderDue(): void {
    const now = performance.now();
    for (let head = this.queue[0]; head && this.rate !== undefined; head = this.queue[0]) {
      const finish = this.finishOf(head, this.rate);
      if (finish > now) break;
      this.clock = finish;
      this.next();
    }
    this.schedule();
  }

  private next(): void {
    const head = this.queue.shift();
    if (!head) return;
    this.queuedBytes -= head.chunk.length;
    this.deliver(head.chunk);
    head.done?.();
  }
}

interface Waiter {
  pattern: string;
  /** The end of what was processed before, so a pattern split across chunks is still found. */
  carry: string;
  resolve: (at: number) => void;
}

class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/**
 * One terminal connection. Subclasses speak a protocol: they call `receive` with output as it
 * arrives and implement `write` and `close`.
 */
export abstract class TermClient {
  /** Output bytes processed (rendered) so far. */
  processedBytes = 0;
  /** Why the connection ended, once it has. */
  closedReason: string | undefined;
  private readonly renderer = new Renderer((chunk) => {
    this.processed(chunk);
  });
  private readonly waiters = new Set<Waiter>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private readonly firstByte: Promise<number>;
  private resolveFirstByte: ((at: number) => void) | undefined;
  private lastOutputAt = performance.now();

  constructor() {
    this.firstByte = new Promise((resolve) => {
      this.resolveFirstByte = resolve;
    });
  }

  /** Sends keys, as the browser would on a keypress. */
  abstract write(keys: string): void;

  /** Ends the terminal and its shell, and resolves once the server side has let go. */
  abstract close(): Promise<void>;

  /** Bytes received but not yet rendered. */
  get backlog(): number {
    return this.renderer.backlog;
  }

  /** Models a terminal that renders only this many bytes a second (undefined: instantly). */
  setRenderRate(bytesPerSecond: number | undefined): void {
    this.renderer.setRate(bytesPerSecond);
  }

  /**
   * Resolves with the time (performance.now()) at which `pattern` had been processed, counting
   * only output processed after this call.
   */
  waitFor(pattern: string, timeoutMs: number): Promise<number> {
    const promise = new Promise<number>((resolve, reject) => {
      const settle = (error: Error | undefined, at = 0): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.closeListeners.delete(onClose);
        if (error) reject(error);
        else resolve(at);
      };
      const waiter: Waiter = {
        pattern,
        carry: '',
        resolve: (at) => {
          settle(undefined, at);
        },
      };
      const onClose = (reason: string): void => {
        settle(new ClientClosedError(`connection closed (${reason}) before ${show(pattern)}`));
      };
      const timer = setTimeout(() => {
        settle(new Error(`no ${show(pattern)} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (this.closedReason !== undefined) {
        onClose(this.closedReason);
        return;
      }
      this.waiters.add(waiter);
      this.closeListeners.add(onClose);
    });
    // Waits are set up before the action they wait for; when an earlier step fails, one may be
    // abandoned, and its rejection must not take the process down.
    promise.catch(() => undefined);
    return promise;
  }

  /** Resolves with the arrival time of the first output byte (the shell's prompt). */
  async firstOutput(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no output within ${timeoutMs} ms (${this.closedReason ?? 'open'})`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.firstByte, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once no output has been processed for `quietMs` (a command has settled). */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = performance.now();
      const quietFor = now - this.lastOutputAt;
      if (quietFor >= quietMs && this.renderer.backlog === 0) return;
      if (now > deadline) throw new Error(`output did not settle within ${timeoutMs} ms`);
      await sleep(Math.max(5, quietMs - quietFor));
    }
  }

  /** Protocols call this with each piece of output; `done` runs once it is rendered. */
  protected receive(chunk: Buffer, done?: () => void): void {
    if (chunk.length === 0) {
      done?.();
      return;
    }
    this.resolveFirstByte?.(performance.now());
    this.resolveFirstByte = undefined;
    this.renderer.push(chunk, done);
  }

  /** Protocols call this when the connection ends; pending waits fail at once. */
  protected ended(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.renderer.clear();
    for (const listener of [...this.closeListeners]) listener(reason);
  }

  private processed(chunk: Buffer): void {
    const at = performance.now();
    this.lastOutputAt = at;
    this.processedBytes += chunk.length;
    if (this.waiters.size === 0) return;
    const text = chunk.toString('latin1');
    for (const waiter of [...this.waiters]) {
      const haystack = waiter.carry + text;
      if (haystack.includes(waiter.pattern)) waiter.resolve(at);
      else
        waiter.carry = waiter.pattern.length > 1 ? haystack.slice(1 - waiter.pattern.length) : '';
    }
  }
}

function show(pattern: string): string {
  return JSON.stringify(pattern);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
