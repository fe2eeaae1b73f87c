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
  /** Live ranges by slot. Release matches the object itself, so releasing a range twice can
   *  never free the slot after it has been handed to another sandbox. */
  private readonly inUse = new Map<number, IdRange>();

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
        const range = { hostId: this.base + slot * this.rangeSize, size: this.rangeSize };
        this.inUse.set(slot, range);
        return range;
      }
    }
    return undefined;
  }

  release(range: IdRange): void {
    const slot = (range.hostId - this.base) / this.rangeSize;
    if (this.inUse.get(slot) === range) this.inUse.delete(slot);
  }

  get liveCount(): number {
    return this.inUse.size;
  }
}
