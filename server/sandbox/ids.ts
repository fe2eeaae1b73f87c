/**
 * Hands out host uid/gid ranges so that no two live sandboxes share a host identity: session A's
 * root is a different host user from session B's root, so neither can signal or read the other.
 */
export interface IdRange {
  /** Host uid and gid that container root maps to. */
  hostId: number;
  size: number;
}

export class IdRangeAllocator {
  private readonly inUse = new Set<number>();

  /**
   * @param base first host id of slot 0; far above any real user or /etc/subuid range.
   * @param rangeSize ids per sandbox (65536 covers every uid a Debian image uses).
   * @param slots how many sandboxes may be alive at once.
   */
  constructor(
    private readonly base: number,
    private readonly rangeSize: number,
    private readonly slots: number,
  ) {}

  /** Returns a free range, or undefined when every slot is taken. */
  allocate(): IdRange | undefined {
    for (let slot = 0; slot < this.slots; slot++) {
      if (!this.inUse.has(slot)) {
        this.inUse.add(slot);
        return { hostId: this.base + slot * this.rangeSize, size: this.rangeSize };
      }
    }
    return undefined;
  }

  release(range: IdRange): void {
    this.inUse.delete((range.hostId - this.base) / this.rangeSize);
  }

  get liveCount(): number {
    return this.inUse.size;
  }
}
