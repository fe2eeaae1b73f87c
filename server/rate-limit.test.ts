import { describe, expect, it } from 'vitest';
import { FailureLimiter } from './rate-limit.js';

describe('FailureLimiter', () => {
  it('blocks a client after too many failures in the window, and forgives later', () => {
    const limiter = new FailureLimiter({ maxFailures: 3, windowMs: 1000, maxClients: 10 });
    limiter.recordFailure('a', 0);
    limiter.recordFailure('a', 100);
    expect(limiter.isBlocked('a', 200)).toBe(false);
    limiter.recordFailure('a', 300);
    expect(limiter.isBlocked('a', 400)).toBe(true);
    expect(limiter.isBlocked('b', 400)).toBe(false);
    expect(limiter.isBlocked('a', 1050)).toBe(false); // the first failure aged out
  });

  it('tracks a bounded number of clients', () => {
    const limiter = new FailureLimiter({ maxFailures: 1, windowMs: 1000, maxClients: 2 });
    limiter.recordFailure('a', 0);
    limiter.recordFailure('b', 1);
    limiter.recordFailure('c', 2);
    expect(limiter.isBlocked('a', 3)).toBe(false); // dropped as the stalest
    expect(limiter.isBlocked('b', 3)).toBe(true);
    expect(limiter.isBlocked('c', 3)).toBe(true);
  });
});
