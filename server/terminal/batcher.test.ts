import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputBatcher } from './batcher.js';

describe('OutputBatcher', () => {
  let sent: string[];
  let batcher: OutputBatcher;

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    batcher = new OutputBatcher({ delayMs: 3, maxBytes: 10 }, (data) => sent.push(data.toString()));
  });

  afterEach(() => {
    batcher.dispose();
    vi.useRealTimers();
  });

  it('coalesces output until the delay passes', () => {
    batcher.push(Buffer.from('ab'));
    batcher.push(Buffer.from('cd'));
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(3);
    expect(sent).toEqual(['abcd']);
  });

  it('sends at once when the batch reaches its size limit', () => {
    batcher.push(Buffer.from('12345'));
    batcher.push(Buffer.from('67890'));
    expect(sent).toEqual(['1234567890']);
    vi.advanceTimersByTime(10);
    expect(sent).toEqual(['1234567890']);
  });

  it('flushes the first output after input immediately, then batches again', () => {
    batcher.noteInput();
    batcher.push(Buffer.from('e'));
    expect(sent).toEqual(['e']);
    batcher.push(Buffer.from('ch'));
    batcher.push(Buffer.from('o'));
    expect(sent).toEqual(['e']);
    vi.advanceTimersByTime(3);
    expect(sent).toEqual(['e', 'cho']);
  });

  it('drops pending output on dispose', () => {
    batcher.push(Buffer.from('late'));
    batcher.dispose();
    vi.advanceTimersByTime(10);
    expect(sent).toEqual([]);
  });
});
