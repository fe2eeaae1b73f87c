/**
 * Ack-based flow control for one client. The server counts bytes sent; the client acks bytes
 * it has rendered. Above the high watermark of unacked bytes the source is paused; below the
 * low one it resumes. The gap between the two keeps it from flapping (design.md §5: 256 KB and
 * 64 KB bring Ctrl-C after a flood back in about 21 ms).
 */
export interface Watermarks {
  highBytes: number;
  lowBytes: number;
}

export class FlowController {
  private unackedBytes = 0;
  private paused = false;
  private acksUnreadable = false;

  constructor(
    private readonly watermarks: Watermarks,
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  get unacked(): number {
    return this.unackedBytes;
  }

  sent(bytes: number): void {
    this.unackedBytes += bytes;
    this.pauseIfBehind();
  }

  /** A client can only ack what it was sent; anything more is ignored, not trusted. */
  acked(bytes: number): void {
    this.unackedBytes = Math.max(0, this.unackedBytes - bytes);
    if (this.paused && this.unackedBytes < this.watermarks.lowBytes) {
      this.paused = false;
      this.resume();
    }
  }

  /** Lets the source run again, e.g. when the client goes away and output goes to the buffer. */
  release(): void {
    if (this.paused) {
      this.paused = false;
      this.resume();
    }
  }

  /**
   * While the client's acks cannot be read (its socket is paused because the shell is behind on
   * input, and the acks wait behind that input), the source is not paused for them: a shell
   * that must write before it reads again would never let them through. Output stays bounded
   * by the socket's own limit meanwhile (AttachmentPolicy.maxBufferedBytes).
   */
  setAcksUnreadable(unreadable: boolean): void {
    this.acksUnreadable = unreadable;
    if (unreadable) this.release();
    else this.pauseIfBehind();
  }

  private pauseIfBehind(): void {
    if (!this.paused && !this.acksUnreadable && this.unackedBytes > this.watermarks.highBytes) {
      this.paused = true;
      this.pause();
    }
  }
}
