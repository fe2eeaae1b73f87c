/**
 * One learner session: one sandbox, its terminals (1 is the sandbox's first shell, 2.. are extra
 * shells in the same sandbox), and the clocks that end it. It never sees a WebSocket
 * (design.md §3): the gateway attaches and detaches, and the registry's sweep asks `dueToEnd`.
 */
import type { ExecOptions, ExecResult, Sandbox, SandboxStats } from '../sandbox/index.js';
import { Emitter, type Disposable } from './disposable.js';
import { extendedDeadline } from './deadline.js';
import { Terminal } from './terminal.js';

/** Timing and size rules for sessions. Every duration is in milliseconds. */
export interface SessionPolicy {
  /** Lifetime of a new session. */
  ttlMs: number;
  /** Each extension adds this much, counted from now, never past `maxTtlMs` after creation. */
  extendMs: number;
  /** Hard cap on a session's total lifetime, extensions included. */
  maxTtlMs: number;
  /** A session with no input for this long ends. */
  idleTimeoutMs: number;
  /** A session with no client attached for this long ends (a closed laptop, a lost network). */
  orphanTimeoutMs: number;
  /** Output kept per terminal for late or returning clients, in bytes. */
  outputBufferBytes: number;
  /** Terminals per session (tabs), the first shell included. */
  maxTerminals: number;
}

export type EndReason =
  | 'exited'
  | 'expired'
  | 'idle'
  | 'orphaned'
  | 'ended'
  /** An instructor reset the learner's sandbox: their page starts a fresh session. */
  | 'reset'
  | 'shutdown';

const END_MESSAGES: Record<EndReason, string> = {
  exited: 'The shell exited, so the sandbox was removed.',
  expired: 'The session reached its time limit, so the sandbox was removed.',
  idle: 'The session was idle too long, so the sandbox was removed.',
  orphaned: 'No browser was connected for too long, so the sandbox was removed.',
  ended: 'The session was ended.',
  reset: 'Your instructor reset your sandbox; a fresh one is starting.',
  shutdown: 'The lab server is shutting down.',
};

export function endMessage(reason: EndReason): string {
  return END_MESSAGES[reason];
}

export class TerminalLimitError extends Error {
  override readonly name = 'TerminalLimitError';
}

const LOGIN_SHELL = ['/bin/bash', '--login'];

export class Session {
  readonly createdAt = Date.now();
  private expires: number;
  private lastInputAt = Date.now();
  private attachments = 0;
  /** Since when no client has been attached; the creation time until the first attach. */
  private orphanedSince: number | undefined = Date.now();
  private readonly terminals = new Map<number, Terminal>();
  private readonly endEmitter = new Emitter<EndReason>();
  private readonly expiryEmitter = new Emitter<number>();
  private readonly viewersEmitter = new Emitter<number>();
  private viewerCount = 0;
  private ending: Promise<void> | undefined;
  private endReason: EndReason | undefined;

  readonly id: string;
  readonly token: string;
  readonly scenario: string;
  /** Who created it (an IP address), for per-client caps. */
  readonly clientKey: string;
  /** The anonymous learner id (cookie) of whoever created it, for progress and the roster. */
  readonly learner: string;
  private readonly sandbox: Sandbox;
  private readonly policy: SessionPolicy;

  constructor(init: {
    id: string;
    token: string;
    scenario: string;
    clientKey: string;
    learner: string;
    sandbox: Sandbox;
    policy: SessionPolicy;
  }) {
    this.id = init.id;
    this.token = init.token;
    this.scenario = init.scenario;
    this.clientKey = init.clientKey;
    this.learner = init.learner;
    this.sandbox = init.sandbox;
    this.policy = init.policy;
    this.expires = this.createdAt + init.policy.ttlMs;
    const first = this.addTerminal(1, init.sandbox.start, { cols: 80, rows: 24 });
    first.onExit(() => {
      void this.end('exited');
    });
  }

  get expiresAt(): number {
    return this.expires;
  }

  /** Why the session ended, once it has. */
  get ended(): EndReason | undefined {
    return this.endReason;
  }

  /** Resolves once the first shell has printed (its prompt); see Terminal.firstOutput. */
  started(timeoutMs: number): Promise<void> {
    const first = this.terminals.get(1);
    return first
      ? first.firstOutput(timeoutMs)
      : Promise.reject(new Error('the session has ended'));
  }

  /** Runs a command in the session's sandbox (step checks, background scripts). */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    return this.sandbox.exec(argv, options);
  }

  /** The sandbox's current usage (a check reads its pids: see scenarios/runtime.ts). */
  stats(): Promise<SandboxStats> {
    return this.sandbox.stats();
  }

  /** The sandbox's resource usage now, with the CPU quota (in cores) it runs under. */
  async usage(): Promise<SandboxStats & { cpuQuotaCores: number }> {
    return { ...(await this.stats()), cpuQuotaCores: this.sandbox.limits.cpus };
  }

  terminal(number: number): Terminal | undefined {
    return this.terminals.get(number);
  }

  /** The terminal with this number, starting a new shell in the sandbox if it has none. */
  openTerminal(number: number, size: { cols: number; rows: number }): Terminal {
    const existing = this.terminals.get(number);
    if (existing && existing.exited === undefined) return existing;
    if (number < 1 || number > this.policy.maxTerminals) {
      throw new TerminalLimitError(`A session has at most ${this.policy.maxTerminals} terminals.`);
    }
    const terminal = this.addTerminal(
      number,
      this.sandbox.execStart(LOGIN_SHELL, { terminal: true }),
      size,
    );
    terminal.onExit(() => {
      if (this.terminals.get(number) === terminal) this.terminals.delete(number);
    });
    return terminal;
  }

  /** Records learner input, which keeps the session from going idle. */
  noteInput(): void {
    this.lastInputAt = Date.now();
  }

  /** True while at least one browser is attached to one of its terminals. */
  get connected(): boolean {
    return this.attachments > 0;
  }

  attached(): void {
    this.attachments++;
    this.orphanedSince = undefined;
  }

  detached(): void {
    this.attachments = Math.max(0, this.attachments - 1);
    if (this.attachments === 0) this.orphanedSince = Date.now();
  }

  /** Pushes the deadline out by `extendMs`, within `maxTtlMs`. Returns the new one. */
  extend(): number {
    const { extendMs, maxTtlMs } = this.policy;
    this.expires = extendedDeadline(this.expires, extendMs, this.createdAt, maxTtlMs);
    this.expiryEmitter.emit(this.expires);
    return this.expires;
  }

  /** The reason this session should end at `now`, if any. */
  dueToEnd(now: number): EndReason | undefined {
    if (now >= this.expires) return 'expired';
    if (now - this.lastInputAt >= this.policy.idleTimeoutMs) return 'idle';
    if (
      this.orphanedSince !== undefined &&
      now - this.orphanedSince >= this.policy.orphanTimeoutMs
    ) {
      return 'orphaned';
    }
    return undefined;
  }

  onEnd(listener: (reason: EndReason) => void): Disposable {
    return this.endEmitter.on(listener);
  }

  /** Instructors watching this session's terminal (the shadow view), so the learner is told. */
  get viewers(): number {
    return this.viewerCount;
  }

  /** An instructor started (+1) or stopped (-1) watching. */
  changeViewers(delta: 1 | -1): void {
    this.viewerCount = Math.max(0, this.viewerCount + delta);
    this.viewersEmitter.emit(this.viewerCount);
  }

  onViewers(listener: (viewers: number) => void): Disposable {
    return this.viewersEmitter.on(listener);
  }

  onExpiry(listener: (expiresAt: number) => void): Disposable {
    return this.expiryEmitter.on(listener);
  }

  /** Ends every shell and destroys the sandbox. Idempotent; resolves when nothing is left. */
  end(reason: EndReason): Promise<void> {
    this.ending ??= (async () => {
      this.endReason = reason;
      this.endEmitter.emit(reason);
      try {
        await this.sandbox.destroy();
      } finally {
        for (const terminal of this.terminals.values()) terminal.kill();
        this.terminals.clear();
        this.endEmitter.clear();
        this.expiryEmitter.clear();
      }
    })();
    return this.ending;
  }

  private addTerminal(
    number: number,
    command: Sandbox['start'],
    size: { cols: number; rows: number },
  ): Terminal {
    const terminal = new Terminal(number, command, size, this.policy.outputBufferBytes);
    this.terminals.set(number, terminal);
    return terminal;
  }
}
