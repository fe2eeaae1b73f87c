import { describe, expect, it } from 'vitest';
import { IdRangeAllocator } from './ids.js';

describe('IdRangeAllocator', () => {
  it('never frees a slot twice, even when a stale range is released again', () => {
    const ids = new IdRangeAllocator(1_000_000, 65536, 2);
    const a = ids.allocate();
    if (!a) throw new Error('no range');
    ids.release(a);
    const b = ids.allocate();
    ids.release(a); // stale: the slot now belongs to b
    const c = ids.allocate();
    expect(b?.hostId).toBe(1_000_000);
    expect(c?.hostId).toBe(1_065_536);
  });
});
