import { describe, expect, it } from 'vitest';
import type { BroadcastMessage } from '../../lib/protocol/index.js';
import { BroadcastRateError, BroadcastTextError, Broadcaster } from './broadcast.js';

const POLICY = { lifetimeMs: 10_000, maxPerWindow: 2, windowMs: 60_000 };

describe('the broadcaster', () => {
  it('tells every listener, with growing ids, until a listener is disposed', () => {
    const broadcaster = new Broadcaster(POLICY);
    const heard: BroadcastMessage[] = [];
    const listening = broadcaster.onBroadcast((message) => heard.push(message));
    const first = broadcaster.send('  Break until 11:00  ', 1000);
    expect(first).toEqual({
      type: 'broadcast',
      id: 1,
      text: 'Break until 11:00',
      at: 1000,
      expiresAt: 11_000,
    });
    listening.dispose();
    const second = broadcaster.send('Back to work', 2000);
    expect(second.id).toBe(2);
    expect(heard).toEqual([first]);
  });

  it('keeps the latest current for its lifetime only, for pages that connect later', () => {
    const broadcaster = new Broadcaster(POLICY);
    expect(broadcaster.current(0)).toBeUndefined();
    broadcaster.send('one', 0);
    const two = broadcaster.send('two', 5000);
    expect(broadcaster.current(14_999)).toEqual(two);
    expect(broadcaster.current(15_000)).toBeUndefined();
  });

  it('refuses a bad text without counting it against the rate', () => {
    const broadcaster = new Broadcaster(POLICY);
    expect(() => broadcaster.send('', 0)).toThrow(BroadcastTextError);
    expect(() => broadcaster.send('x'.repeat(281), 0)).toThrow(/at most 280/);
    expect(() => broadcaster.send({ text: 'hi' }, 0)).toThrow(BroadcastTextError);
    broadcaster.send('one', 0);
    broadcaster.send('two', 0);
    expect(broadcaster.current(0)?.text).toBe('two');
  });

  it('allows maxPerWindow broadcasts in any window, and says when the next one may go', () => {
    const broadcaster = new Broadcaster(POLICY);
    broadcaster.send('one', 0);
    broadcaster.send('two', 10_000);
    let refused: unknown;
    try {
      broadcaster.send('three', 20_000);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(BroadcastRateError);
    expect((refused as BroadcastRateError).retryAfterMs).toBe(40_000);
    expect(broadcaster.current(19_999)?.text).toBe('two');
    expect(broadcaster.send('three', 60_000).text).toBe('three');
  });
});
