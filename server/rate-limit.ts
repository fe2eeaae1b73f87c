/**
 * Counts failures per client in a sliding window, so guessing session ids or tokens is slow:
 * after `maxFailures` within `windowMs`, a client is refused until its old failures age out.
 * Memory is bounded: at most `maxClients` are tracked, the stalest dropped first.
 */
export interface FailureLimitPolicy {
  maxFailures: number;
  windowMs: number;
  maxClients: number;
}

export class FailureLimiter {
  /** Failure times per client, oldest first. Map order doubles as least-recently-failed order. */
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly policy: FailureLimitPolicy) {}

  /** True while `client` has used up its failures in the current window. */
  isBlocked(client: string, now = Date.now()): boolean {
    return this.recent(client, now).length >= this.policy.maxFailures;
  }

  recordFailure(client: string, now = Date.now()): void {
    const times = [...this.recent(client, now), now];
    this.failures.delete(client);
    this.failures.set(client, times);
    if (this.failures.size > this.policy.maxClients) {
      const stalest = this.failures.keys().next().value;
      if (stalest !== undefined) this.failures.delete(stalest);
    }
  }

  private recent(client: string, now: number): number[] {
    const times = this.failures.get(client);
    if (!times) return [];
    const recent = times.filter((time) => now - time < this.policy.windowMs);
    if (recent.length === 0) this.failures.delete(client);
    else this.failures.set(client, recent);
    return recent;
  }
}
