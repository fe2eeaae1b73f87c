/**
 * A bounded record of a session's output, addressed by absolute byte offset since the session
 * started. It lets a client that attaches late (or again) receive what it missed, while memory
 * stays capped: the oldest bytes roll out once `capacity` is reached.
 */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private bufferedBytes = 0;
  /** Offset of the first byte still held. */
  private start = 0;

  constructor(private readonly capacity: number) {}

  /** Offset just past the newest byte: the total output so far. */
  get end(): number {
    return this.start + this.bufferedBytes;
  }

  append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.bufferedBytes > this.capacity) {
      const oldest = this.chunks[0];
      if (!oldest) break;
      const excess = this.bufferedBytes - this.capacity;
      if (oldest.length <= excess) {
        this.chunks.shift();
        this.bufferedBytes -= oldest.length;
        this.start += oldest.length;
      } else {
        this.chunks[0] = oldest.subarray(excess);
        this.bufferedBytes -= excess;
        this.start += excess;
      }
    }
  }

  /**
   * Bytes from `offset` to the end, starting at offset `start`. `lost` counts the bytes the
   * caller asked for that have already rolled out (start - offset, when positive).
   */
  since(offset: number): { data: Buffer; lost: number; start: number } {
    const from = Math.min(Math.max(offset, 0), this.end);
    const start = Math.max(from, this.start);
    return {
      data: Buffer.concat(this.chunks).subarray(start - this.start),
      lost: start - from,
      start,
    };
  }
}
