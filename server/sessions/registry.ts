/**
 * Owns every live session: creates them with unguessable ids and tokens, finds them, enforces
 * the global cap, and ends sessions no client ever attached to.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SandboxHost } from '../sandbox/index.js';
import { Session } from './session.js';

export interface RegistryConfig {
  /** Most sessions alive at once. */
  maxSessions: number;
  /** A session nobody attaches to within this many ms is ended. */
  attachTimeoutMs: number;
  /** Output kept per session for late or returning clients, in bytes. */
  outputBufferBytes: number;
}

export class SessionLimitError extends Error {
  override readonly name = 'SessionLimitError';
}

/** 128 bits for ids, 256 for tokens, from the CSPRNG: neither can be guessed or enumerated. */
function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class SessionRegistry {
  private readonly sessions = new Map<string, Session>();
  private readonly attachTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly host: SandboxHost,
    private readonly config: RegistryConfig,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  async create(scenario: string): Promise<Session> {
    if (this.sessions.size >= this.config.maxSessions) {
      throw new SessionLimitError(
        `The lab is full (${this.config.maxSessions} sessions). Try again when someone finishes.`,
      );
    }
    const sandbox = await this.host.create({ terminal: true });
    const session = new Session({
      id: randomId(16),
      token: randomId(32),
      scenario,
      sandbox,
      outputBufferBytes: this.config.outputBufferBytes,
    });
    this.sessions.set(session.id, session);
    session.onExit(() => {
      this.forget(session.id);
    });
    const timer = setTimeout(() => {
      void this.end(session.id);
    }, this.config.attachTimeoutMs);
    timer.unref();
    this.attachTimers.set(session.id, timer);
    return session;
  }

  /** The session with this id if `token` is its token; undefined otherwise (no oracle). */
  authenticate(id: string, token: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const expected = Buffer.from(session.token);
    const given = Buffer.from(token);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    return session;
  }

  /** A client attached: the session no longer needs the unattached timeout. */
  markAttached(id: string): void {
    clearTimeout(this.attachTimers.get(id));
    this.attachTimers.delete(id);
  }

  async end(id: string): Promise<void> {
    const session = this.sessions.get(id);
    this.forget(id);
    await session?.dispose();
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.sessions.keys()].map((id) => this.end(id)));
  }

  private forget(id: string): void {
    clearTimeout(this.attachTimers.get(id));
    this.attachTimers.delete(id);
    this.sessions.delete(id);
  }
}
