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
   * Bytes from `offset` to the end. `lost` counts the bytes before the oldest held byte that the
   * caller asked for but that have already rolled out.
   */
  since(offset: number): { data: Buffer; lost: number } {
    const from = Math.min(Math.max(offset, 0), this.end);
    const lost = Math.max(0, this.start - from);
    const skip = Math.max(from, this.start) - this.start;
    return { data: Buffer.concat(this.chunks).subarray(skip), lost };
  }
}
