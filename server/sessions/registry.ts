/**
 * Owns every live session: creates them with unguessable ids and tokens, enforces the global
 * and per-client caps, finds them for the gateway, and ends the ones whose clocks ran out.
 */
import { randomBytes } from 'node:crypto';
import { sameSecret } from '../secrets.js';
import { SandboxError, type SandboxHost } from '../sandbox/index.js';
import { Session, type EndReason, type SessionPolicy } from './session.js';

export interface RegistryConfig extends SessionPolicy {
  /** Most sessions alive at once, over all clients. */
  maxSessions: number;
  /** Most sessions alive at once for one client (one IP address). */
  maxSessionsPerClient: number;
  /** How often the clocks are checked, in ms. */
  sweepIntervalMs: number;
  /** A new sandbox's shell must print its prompt within this many ms. */
  startTimeoutMs: number;
  /** Told about sessions starting and ending, for metrics; optional. */
  observer?: RegistryObserver;
}

export interface RegistryObserver {
  /** A session is up; `startMs` from the request to its shell's first output. */
  started(startMs: number, session: Session): void;
  refused(reason: 'full' | 'client-cap' | 'start-failed'): void;
  /** A session that was started has ended, for `reason`. */
  ended?(session: Session, reason: EndReason): void;
}

/** Thrown when a cap is reached; the HTTP layer answers 429 with this message. */
export class SessionLimitError extends Error {
  override readonly name = 'SessionLimitError';
}

/** 128 bits for ids, 256 for tokens, from the CSPRNG: neither can be guessed or enumerated. */
function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Ended session ids kept for wasEnded: about 40 bytes each. */
const MAX_ENDED_REMEMBERED = 10_000;

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  /**
   * Ids of sessions that ended lately, oldest first, at most MAX_ENDED_REMEMBERED. A page that
   * still asks about its own ended session is not guessing: it must not use up the failed
   * guesses of its address, which a classroom behind one NAT shares.
   */
  private readonly endedIds = new Set<string>();
  /** Sessions being started, per client: a burst of requests must not slip past the caps. */
  private readonly starting = new Map<string, number>();
  private startingTotal = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly host: SandboxHost,
    private readonly config: RegistryConfig,
  ) {
    this.sweeper = setInterval(() => {
      this.sweep(Date.now());
    }, config.sweepIntervalMs);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions a client holds, counting those still starting. */
  countFor(clientKey: string): number {
    let count = this.starting.get(clientKey) ?? 0;
    for (const session of this.sessions.values()) if (session.clientKey === clientKey) count++;
    return count;
  }

  /**
   * A new session with a running shell. `clientKey` (an IP address) counts against the caps;
   * `learner` (the anonymous cookie id) is who it belongs to.
   */
  async create(scenario: string, clientKey: string, learner = clientKey): Promise<Session> {
    if (this.sessions.size + this.startingTotal >= this.config.maxSessions) {
      this.config.observer?.refused('full');
      throw new SessionLimitError(
        `The lab is full (${this.config.maxSessions} sessions). Try again when someone finishes.`,
      );
    }
    if (this.countFor(clientKey) >= this.config.maxSessionsPerClient) {
      this.config.observer?.refused('client-cap');
      throw new SessionLimitError(
        `You already have ${this.config.maxSessionsPerClient} sessions open. Close one to start another.`,
      );
    }
    // Reserve the slot before the first await, and hand it to the session once registered.
    const requestedAt = Date.now();
    this.starting.set(clientKey, (this.starting.get(clientKey) ?? 0) + 1);
    this.startingTotal++;
    let sandbox;
    try {
      sandbox = await this.host.create({ terminal: true });
    } finally {
      this.startingTotal--;
      const left = (this.starting.get(clientKey) ?? 1) - 1;
      if (left === 0) this.starting.delete(clientKey);
      else this.starting.set(clientKey, left);
    }
    const session = new Session({
      id: randomId(16),
      token: randomId(32),
      scenario,
      clientKey,
      learner,
      sandbox,
      policy: this.config,
    });
    this.sessions.set(session.id, session);
    session.onEnd((reason) => {
      this.sessions.delete(session.id);
      this.endedIds.add(session.id);
      if (this.endedIds.size > MAX_ENDED_REMEMBERED) {
        const oldest = this.endedIds.values().next().value;
        if (oldest !== undefined) this.endedIds.delete(oldest);
      }
      this.config.observer?.ended?.(session, reason);
    });
    // Hand out only a shell that is up: a sandbox that fails to start is an error now, not a
    // dead terminal later, and teardown never races the runtime's own start-up.
    try {
      await session.started(this.config.startTimeoutMs);
    } catch (error) {
      this.config.observer?.refused('start-failed');
      await session.end('ended');
      throw new SandboxError('start-failed', `The sandbox did not start: ${String(error)}.`, {
        cause: error,
      });
    }
    this.config.observer?.started(Date.now() - requestedAt, session);
    return session;
  }

  /** The session with this id if `token` is its token; undefined otherwise (no oracle). */
  authenticate(id: string, token: string): Session | undefined {
    const session = this.sessions.get(id);
    return session && sameSecret(session.token, token) ? session : undefined;
  }

  /** Whether this id was a session that has ended lately (its id alone is a 128-bit secret). */
  wasEnded(id: string): boolean {
    return this.endedIds.has(id);
  }

  /** Every live session, for the instructor's roster. */
  list(): Session[] {
    return [...this.sessions.values()];
  }

  async end(id: string, reason: EndReason = 'ended'): Promise<void> {
    await this.sessions.get(id)?.end(reason);
  }

  async dispose(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.sessions.values()].map((session) => session.end('shutdown')));
  }

  private sweep(now: number): void {
    for (const session of this.sessions.values()) {
      const reason = session.dueToEnd(now);
      if (reason) void session.end(reason);
    }
  }
}
