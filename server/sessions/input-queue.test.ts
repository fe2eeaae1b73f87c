import { describe, expect, it } from 'vitest';
import { InputQueue } from './input-queue.js';

const bytes = (text: string): Buffer => Buffer.from(text);

describe('InputQueue', () => {
  it('asks the source to hold back above the high watermark, not at it', () => {
    const queue = new InputQueue({ highBytes: 4, capacityBytes: 10 });
    expect(queue.push(bytes('abcd'))).toBe(true);
    expect(queue.full).toBe(false);
    expect(queue.push(bytes('e'))).toBe(true);
    expect(queue.full).toBe(true);
    expect(queue.pending).toBe(5);
  });

  it('refuses a chunk that would pass the capacity, and keeps what it has', () => {
    const queue = new InputQueue({ highBytes: 4, capacityBytes: 10 });
    expect(queue.push(bytes('abcdefgh'))).toBe(true);
    expect(queue.push(bytes('ijk'))).toBe(false);
    expect(queue.pending).toBe(8);
    expect(queue.push(bytes('ij'))).toBe(true);
    expect(queue.next(100)?.toString()).toBe('abcdefghij');
  });

  it('joins small chunks up to maxBytes, but never splits one', () => {
    const queue = new InputQueue({ highBytes: 100, capacityBytes: 100 });
    for (const key of ['l', 's', ' ', '-', 'l', '\r']) queue.push(bytes(key));
    expect(queue.next(4)?.toString()).toBe('ls -');
    queue.consumed(4);
    expect(queue.next(4)?.toString()).toBe('l\r');
    queue.consumed(2);
    queue.push(bytes('a much longer paste'));
    expect(queue.next(4)?.toString()).toBe('a much longer paste');
  });

  it('keeps the unwritten rest of a partial write at the front', () => {
    const queue = new InputQueue({ highBytes: 100, capacityBytes: 100 });
    queue.push(bytes('hello'));
    queue.push(bytes(' world'));
    expect(queue.next(100)?.toString()).toBe('hello world');
    queue.consumed(3);
    expect(queue.pending).toBe(8);
    queue.push(bytes('!'));
    expect(queue.next(100)?.toString()).toBe('lo world!');
    queue.consumed(9);
    expect(queue.pending).toBe(0);
    expect(queue.next(100)).toBeUndefined();
  });

  it('is no longer full once written below the watermark, and empty after clear', () => {
    const queue = new InputQueue({ highBytes: 4, capacityBytes: 10 });
    queue.push(bytes('abcdefg'));
    expect(queue.full).toBe(true);
    queue.next(10);
    queue.consumed(3);
    expect(queue.full).toBe(false);
    queue.push(bytes('xyz'));
    queue.clear();
    expect(queue.pending).toBe(0);
    expect(queue.next(10)).toBeUndefined();
  });

  it('ignores empty chunks and rejects limits that cannot work', () => {
    const queue = new InputQueue({ highBytes: 1, capacityBytes: 1 });
    expect(queue.push(Buffer.alloc(0))).toBe(true);
    expect(queue.next(10)).toBeUndefined();
    expect(() => new InputQueue({ highBytes: 0, capacityBytes: 10 })).toThrow(RangeError);
    expect(() => new InputQueue({ highBytes: 10, capacityBytes: 5 })).toThrow(RangeError);
  });
});
