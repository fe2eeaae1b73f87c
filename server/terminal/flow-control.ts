/**
 * Ack-based flow control for one client. The server counts bytes sent; the client acks bytes
 * it has rendered. Unacked bytes never exceed a window: output beyond it waits here (a frame
 * is split at the edge) and the source is paused; both resume below a quarter of the window,
 * a gap that keeps them from flapping.
 *
 * Whatever is unacked when the learner presses Ctrl-C is still rendered before the prompt (the
 * kernel drops only what the pty holds), so the window adapts to how fast the client renders:
 * it holds `aheadMs` of rendering, at most `maxWindowBytes` (a client that keeps up gets all of
 * it, for throughput). The rate is measured between acks that arrive during a pause: the client
 * already had everything they ack, so their spacing is its rendering speed, not the source's.
 */
export interface FlowPolicy {
  /** The window of a client that keeps up (design.md §5: 256 KB). */
  maxWindowBytes: number;
  /** The least window, however slow the client: several of a browser's coalesced acks fit. */
  minWindowBytes: number;
  /** How much of a slow client's rendering time may be queued ahead of the next output. */
  aheadMs: number;
}

/** What is flow-controlled: a source of output that can stop and start. */
export interface OutputSource {
  pause(): void;
  resume(): void;
}

/** Sending resumes once unacked bytes are below this share of the window. */
const RESUME_FRACTION = 4;

export class FlowController {
  private unackedBytes = 0;
  private windowBytes: number;
  /** The window is full: nothing is sent until the client acks down to the resume level. */
  private full = false;
  private sourcePaused = false;
  private acksUnreadable = false;
  /** Output that did not fit in the window, in order; bounded by what the source sent before
   *  its pause took effect (a batch and a read). */
  private waiting: Buffer[] = [];
  /** Acks received while full: the first one's time, the last one's, and bytes acked between. */
  private firstAckAt: number | undefined;
  private lastAckAt = 0;
  private bytesAckedSinceFirst = 0;

  constructor(
    private readonly policy: FlowPolicy,
    private readonly source: OutputSource,
    /** Returns false when the frame was not sent (the socket is closing): nobody will ack it. */
    private readonly transmit: (frame: Buffer) => boolean,
  ) {
    this.windowBytes = policy.maxWindowBytes;
  }

  get unacked(): number {
    return this.unackedBytes;
  }

  get window(): number {
    return this.windowBytes;
  }

  /** Sends `data` as far as the window allows; the rest follows as the client acks. */
  send(data: Buffer): void {
    if (data.length === 0) return;
    this.waiting.push(data);
    this.drain();
  }

  /** A client can only ack what it was sent; anything more is ignored, not trusted. */
  acked(bytes: number, now: number = performance.now()): void {
    this.unackedBytes = Math.max(0, this.unackedBytes - bytes);
    if (!this.full) return;
    if (this.firstAckAt === undefined) {
      this.startMeasuring(now); // what it acks was partly rendered before the window filled
    } else {
      this.bytesAckedSinceFirst += bytes;
      this.lastAckAt = now;
    }
    if (!this.belowResumeLevel()) return;
    this.windowBytes = this.measuredWindow();
    if (!this.belowResumeLevel()) {
      this.startMeasuring(now); // the window shrank: wait for the client to get below it too
      return;
    }
    this.full = false;
    this.drain(); // what waited goes first, and may fill the window again
    this.setSourcePaused(this.full);
  }

  /** Sends everything waiting, window or not: the last output before the connection closes. */
  flush(): void {
    for (const frame of this.waiting.splice(0)) this.transmitFrame(frame);
  }

  /** The client went away: drop what waits (the terminal's buffer keeps it for a reconnect)
   *  and let the source run again. */
  release(): void {
    this.waiting = [];
    this.full = false;
    this.setSourcePaused(false);
  }

  /**
   * While the client's acks cannot be read (its socket is paused because the shell is behind on
   * input, and the acks wait behind that input), output does not wait for them: a shell that
   * must write before it reads again would never let them through. Output stays bounded by the
   * socket's own limit meanwhile (AttachmentPolicy.maxBufferedBytes).
   */
  setAcksUnreadable(unreadable: boolean): void {
    this.acksUnreadable = unreadable;
    if (unreadable) {
      this.full = false;
      this.drain();
      this.setSourcePaused(false);
    } else {
      this.fillIfAtWindow();
    }
  }

  private drain(): void {
    while (this.waiting.length > 0 && !this.full) {
      const head = this.waiting[0] as Buffer;
      // A quarter of the window at most, so that a client acking frame by frame acks several
      // times while the window is full (the rate is measured between those acks).
      const room = this.acksUnreadable
        ? head.length
        : Math.min(this.windowBytes - this.unackedBytes, this.windowBytes / RESUME_FRACTION);
      const size = Math.min(head.length, Math.floor(room));
      if (size === head.length) this.waiting.shift();
      else this.waiting[0] = head.subarray(size);
      this.transmitFrame(head.subarray(0, size));
      this.fillIfAtWindow();
    }
  }

  private transmitFrame(frame: Buffer): void {
    if (this.transmit(frame)) this.unackedBytes += frame.length;
  }

  private fillIfAtWindow(): void {
    if (this.full || this.acksUnreadable || this.unackedBytes < this.windowBytes) return;
    this.full = true;
    this.startMeasuring(undefined);
    this.setSourcePaused(true);
  }

  private setSourcePaused(paused: boolean): void {
    if (paused === this.sourcePaused) return;
    this.sourcePaused = paused;
    if (paused) this.source.pause();
    else this.source.resume();
  }

  private belowResumeLevel(): boolean {
    return this.unackedBytes * RESUME_FRACTION < this.windowBytes;
  }

  private startMeasuring(firstAckAt: number | undefined): void {
    this.firstAckAt = firstAckAt;
    this.lastAckAt = firstAckAt ?? 0;
    this.bytesAckedSinceFirst = 0;
  }

  /**
   * The window for the client's rendering speed while it was full. One ack that brought it
   * down measured nothing but that the client caught up at once: the full window again.
   */
  private measuredWindow(): number {
    const { maxWindowBytes, minWindowBytes, aheadMs } = this.policy;
    const elapsedMs = this.lastAckAt - (this.firstAckAt ?? this.lastAckAt);
    if (this.bytesAckedSinceFirst === 0 || elapsedMs <= 0) return maxWindowBytes;
    const bytesPerMs = this.bytesAckedSinceFirst / elapsedMs;
    return Math.round(Math.min(maxWindowBytes, Math.max(minWindowBytes, bytesPerMs * aheadMs)));
  }
}
