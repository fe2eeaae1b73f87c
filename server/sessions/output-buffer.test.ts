import { describe, expect, it } from 'vitest';
import { liveBytes } from '../../bench/terminal/memory.js';
import { OutputBuffer } from './output-buffer.js';

describe('OutputBuffer', () => {
  it('replays everything from any offset while under capacity', () => {
    const buffer = new OutputBuffer(100);
    buffer.append(Buffer.from('hello '));
    buffer.append(Buffer.from('world'));
    expect(buffer.end).toBe(11);
    expect(buffer.since(0).data.toString()).toBe('hello world');
    expect(buffer.since(6).data.toString()).toBe('world');
    expect(buffer.since(11).data.length).toBe(0);
    expect(buffer.since(0).lost).toBe(0);
  });

  it('drops the oldest bytes past capacity and reports what was lost', () => {
    const buffer = new OutputBuffer(8);
    buffer.append(Buffer.from('abcdef'));
    buffer.append(Buffer.from('ghijkl'));
    expect(buffer.end).toBe(12);
    const replay = buffer.since(0);
    expect(replay.data.toString()).toBe('efghijkl');
    expect(replay.lost).toBe(4);
    expect(buffer.since(10).data.toString()).toBe('kl');
  });

  it('clamps offsets beyond the end', () => {
    const buffer = new OutputBuffer(8);
    buffer.append(Buffer.from('abc'));
    expect(buffer.since(99).data.length).toBe(0);
    expect(buffer.since(-5).data.toString()).toBe('abc');
  });

  it('agrees with a plain byte record whatever the chunk sizes, across growth and wrap', () => {
    const capacity = 10_000;
    const buffer = new OutputBuffer(capacity);
    let all = Buffer.alloc(0);
    let seed = 7;
    for (let round = 0; round < 2000; round++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const size = seed % 7 === 0 ? seed % 15_000 : seed % 40;
      const chunk = Buffer.alloc(size, round % 251);
      buffer.append(chunk);
      all = Buffer.concat([all, chunk]).subarray(-capacity * 2);
      const total = buffer.end;
      const offset = total - (seed % (capacity + 100));
      const expected = all.subarray(all.length - (total - Math.max(offset, total - capacity, 0)));
      expect(buffer.since(offset).data.equals(expected)).toBe(true);
    }
  });

  it('costs bytes, not a Buffer object each, for output that arrives a byte at a time', async () => {
    const before = await liveBytes();
    const buffer = new OutputBuffer(1 << 20);
    for (let key = 0; key < 200_000; key++) buffer.append(Buffer.from([97 + (key % 26)]));
    const grown = (await liveBytes()) - before;
    expect(buffer.since(0).data.length).toBe(200_000);
    // One Buffer per byte held cost about 190 bytes each: 38 MB here.
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
