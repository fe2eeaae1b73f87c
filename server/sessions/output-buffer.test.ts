import { describe, expect, it } from 'vitest';
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
});
