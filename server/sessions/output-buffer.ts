/**
 * A bounded record of a session's output, addressed by absolute byte offset since the session
 * started. It lets a client that attaches late (or again) receive what it missed, while memory
 * stays capped: the oldest bytes roll out once `capacity` is reached.
 *
 * The bytes are copied into one ring, not kept as the chunks they came in: a typist's echo
 * arrives a byte per chunk, and a Buffer object per byte cost about 190 bytes of heap each, so a
 * 1 MiB record of keystrokes grew towards 190 MB (the soak benchmark's leak, bench/README.md).
 * The ring starts small and doubles up to `capacity`, so an idle terminal costs little.
 */
const INITIAL_BYTES = 4096;

export class OutputBuffer {
  private ring: Buffer;
  /** Index in `ring` of the oldest byte still held. */
  private head = 0;
  private bufferedBytes = 0;
  /** Offset of the first byte still held. */
  private start = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`bad output buffer capacity ${capacity}`);
    }
    this.ring = Buffer.allocUnsafe(Math.min(capacity, INITIAL_BYTES));
  }

  /** Offset just past the newest byte: the total output so far. */
  get end(): number {
    return this.start + this.bufferedBytes;
  }

  append(chunk: Buffer): void {
    // Of a chunk bigger than the whole record, only its end can be kept.
    const kept =
      chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    const dropped = chunk.length - kept.length;
    this.grow(this.bufferedBytes + kept.length);
    const overflow = Math.max(0, this.bufferedBytes + kept.length - this.ring.length);
    this.head = (this.head + overflow) % this.ring.length;
    this.bufferedBytes -= overflow;
    this.start += overflow + dropped;
    let at = (this.head + this.bufferedBytes) % this.ring.length;
    let written = 0;
    while (written < kept.length) {
      const copied = kept.copy(this.ring, at, written);
      written += copied;
      at = (at + copied) % this.ring.length;
    }
    this.bufferedBytes += kept.length;
  }

  /**
   * Bytes from `offset` to the end, starting at offset `start`. `lost` counts the bytes the
   * caller asked for that have already rolled out (start - offset, when positive).
   */
  since(offset: number): { data: Buffer; lost: number; start: number } {
    const from = Math.min(Math.max(offset, 0), this.end);
    const start = Math.max(from, this.start);
    return { data: this.copyOut(start - this.start), lost: start - from, start };
  }

  /** A copy of the held bytes after the first `skip`. */
  private copyOut(skip: number): Buffer {
    const length = this.bufferedBytes - skip;
    const data = Buffer.allocUnsafe(length);
    const from = (this.head + skip) % this.ring.length;
    const first = this.ring.copy(data, 0, from, Math.min(this.ring.length, from + length));
    this.ring.copy(data, first, 0, length - first);
    return data;
  }

  /** Makes the ring hold `bytes` (at most `capacity`), doubling, with the held bytes in order. */
  private grow(bytes: number): void {
    if (bytes <= this.ring.length || this.ring.length >= this.capacity) return;
    let size = this.ring.length;
    while (size < bytes) size *= 2;
    const held = this.copyOut(0);
    this.ring = Buffer.allocUnsafe(Math.min(size, this.capacity));
    held.copy(this.ring);
    this.head = 0;
  }
}
