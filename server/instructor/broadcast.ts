/**
 * The instructor's broadcast: one short message to every learner's page. The latest one stays
 * current for a bounded time, so a learner who opens the lesson a minute later still sees it,
 * and a stale one never greets tomorrow's class. Sending is rate-limited: a page of banners is
 * noise, and a leaked instructor cookie should not be able to flood every learner.
 */
import { checkBroadcastText, type BroadcastMessage } from '../../lib/protocol/index.js';
import { Emitter, type Disposable } from '../sessions/disposable.js';

export interface BroadcastPolicy {
  /** How long a broadcast stays current, in ms. */
  lifetimeMs: number;
  /** At most `maxPerWindow` broadcasts within any `windowMs`. */
  maxPerWindow: number;
  windowMs: number;
}

export const BROADCAST_DEFAULTS: BroadcastPolicy = {
  lifetimeMs: 10 * 60_000,
  maxPerWindow: 5,
  windowMs: 60_000,
};

/** The text is not one line of 1 to MAX_BROADCAST_CHARS characters. */
export class BroadcastTextError extends Error {
  override readonly name = 'BroadcastTextError';
}

/** Too many broadcasts in the window; `retryAfterMs` until the next one is allowed. */
export class BroadcastRateError extends Error {
  override readonly name = 'BroadcastRateError';

  constructor(readonly retryAfterMs: number) {
    super(`Too many broadcasts; the next one is possible in ${Math.ceil(retryAfterMs / 1000)} s.`);
  }
}

export class Broadcaster {
  private latest: BroadcastMessage | undefined;
  private nextId = 1;
  /** Send times within the window, oldest first; never longer than `maxPerWindow`. */
  private sentAt: number[] = [];
  private readonly emitter = new Emitter<BroadcastMessage>();

  constructor(private readonly policy: BroadcastPolicy = BROADCAST_DEFAULTS) {}

  /** Checks the text and the rate, then tells every listener. Returns what was sent. */
  send(text: unknown, now = Date.now()): BroadcastMessage {
    const checked = checkBroadcastText(text);
    if (!checked.ok) throw new BroadcastTextError(`${checked.reason}.`);
    this.sentAt = this.sentAt.filter((time) => now - time < this.policy.windowMs);
    const oldest = this.sentAt[0];
    if (oldest !== undefined && this.sentAt.length >= this.policy.maxPerWindow) {
      throw new BroadcastRateError(oldest + this.policy.windowMs - now);
    }
    this.sentAt.push(now);
    this.latest = {
      type: 'broadcast',
      id: this.nextId++,
      text: checked.message,
      at: now,
      expiresAt: now + this.policy.lifetimeMs,
    };
    this.emitter.emit(this.latest);
    return this.latest;
  }

  /** The latest broadcast while it is still current, for pages that connect later. */
  current(now = Date.now()): BroadcastMessage | undefined {
    return this.latest && now < this.latest.expiresAt ? this.latest : undefined;
  }

  onBroadcast(listener: (message: BroadcastMessage) => void): Disposable {
    return this.emitter.on(listener);
  }
}
