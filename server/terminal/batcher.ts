/**
 * Coalesces pty output into fewer, larger WebSocket frames: a batch goes out after `delayMs`
 * or once it holds `maxBytes`. The first output after input goes out at once, so typing
 * echoes with no added delay (design.md §5: 31x fewer frames, no echo cost).
 */
export interface BatchPolicy {
  delayMs: number;
  maxBytes: number;
}

export class OutputBatcher {
  private chunks: Buffer[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  private inputPending = false;

  constructor(
    private readonly policy: BatchPolicy,
    private readonly send: (data: Buffer) => void,
  ) {}

  /** Input went to the shell: its echo should not wait for a batch. */
  noteInput(): void {
    this.inputPending = true;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.inputPending || this.size >= this.policy.maxBytes) {
      this.inputPending = false;
      this.flush();
    } else {
      this.timer ??= setTimeout(() => {
        this.flush();
      }, this.policy.delayMs);
    }
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.size === 0) return;
    const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    this.send(data);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.chunks = [];
    this.size = 0;
  }
}
