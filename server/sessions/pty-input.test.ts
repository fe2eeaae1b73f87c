/**
 * PtyInput against a real non-blocking FIFO, which answers a full buffer with EAGAIN exactly as
 * a pty master does; a FIFO's 64 KiB buffer stands in for the shell that reads nothing.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PtyInput } from './pty-input.js';

const LIMITS = { highBytes: 64 * 1024, capacityBytes: 256 * 1024 };
const CHUNK = 32 * 1024;

let dir: string;
let reader: number;
let writer: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pty-input-'));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
});

afterEach(() => {
  closeSync(reader);
  closeSync(writer);
  rmSync(dir, { recursive: true });
});

/** Everything readable from the FIFO right now. */
function readAvailable(): Buffer {
  const parts: Buffer[] = [];
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    try {
      const count = readSync(reader, buffer);
      if (count === 0) break;
      parts.push(Buffer.from(buffer.subarray(0, count)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
  }
  return Buffer.concat(parts);
}

/** Reads the FIFO as a shell would until `done`; returns everything read. */
async function readUntil(done: () => boolean): Promise<Buffer> {
  const received: Buffer[] = [];
  await expect
    .poll(
      () => {
        received.push(readAvailable());
        return done();
      },
      { timeout: 5000, interval: 5 },
    )
    .toBe(true);
  received.push(readAvailable());
  return Buffer.concat(received);
}

/** A chunk of `size` bytes whose content shows its position, so reordering would show. */
function chunk(index: number, size = CHUNK): Buffer {
  return Buffer.alloc(size, String.fromCharCode(97 + (index % 26)));
}

describe('PtyInput', () => {
  it('writes a keystroke straight through', async () => {
    const input = new PtyInput(writer, () => true, LIMITS);
    expect(input.write(Buffer.from('l'))).toBe('taken');
    await expect.poll(() => input.pending).toBe(0);
    expect(readAvailable().toString()).toBe('l');
    input.close();
  });

  it('holds the source back while nothing reads, then drains in order once read', async () => {
    const input = new PtyInput(writer, () => true, LIMITS);
    let drains = 0;
    input.onDrain(() => drains++);
    const sent: Buffer[] = [];
    let admission: string = 'taken';
    for (let index = 0; admission === 'taken'; index++) {
      sent.push(chunk(index));
      admission = input.write(sent[index] ?? Buffer.alloc(0));
    }
    expect(admission).toBe('hold');
    // The FIFO takes its 64 KiB; the rest waits, bounded, while the writer retries.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(input.pending).toBeGreaterThan(0);
    expect(drains).toBe(0);

    const received = await readUntil(() => drains === 1);
    expect(received.equals(Buffer.concat(sent))).toBe(true);
    input.close();
  });

  it('refuses what would pass the capacity, and still delivers what it took', async () => {
    const input = new PtyInput(writer, () => true, LIMITS);
    const taken: Buffer[] = [];
    let refused = 0;
    // Ignore every 'hold': ten times the capacity, as a client bypassing backpressure would.
    for (let index = 0; index < 80; index++) {
      const data = chunk(index);
      if (input.write(data) === 'refused') refused++;
      else taken.push(data);
    }
    expect(refused).toBeGreaterThan(0);
    expect(input.pending).toBeLessThanOrEqual(LIMITS.capacityBytes);
    const received = await readUntil(() => input.pending === 0);
    expect(received.equals(Buffer.concat(taken))).toBe(true);
    input.close();
  });

  it('writes nothing more once closed', async () => {
    const input = new PtyInput(writer, () => true, LIMITS);
    for (let index = 0; index < 4; index++) input.write(chunk(index));
    input.close();
    expect(input.pending).toBe(0);
    const before = readAvailable().length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(before + readAvailable().length).toBeLessThanOrEqual(64 * 1024);
    expect(input.write(Buffer.from('x'))).toBe('taken');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(readAvailable().length).toBe(0);
  });

  it("writes nothing once its owner closed the fd, even into the file that took the fd's number", async () => {
    let open = true;
    const input = new PtyInput(writer, () => open, LIMITS);
    // More than the FIFO takes: the rest waits for a retry, as for a shell that reads nothing.
    for (let index = 0; index < 4; index++) input.write(chunk(index));
    expect(input.pending).toBeGreaterThan(0);

    // node-pty closes the fd before its 'close' event reaches PtyInput; a new pty (here a
    // file) is opened in between and gets the same number.
    open = false;
    const number = writer;
    closeSync(writer);
    const other = join(dir, 'other');
    writer = openSync(other, 'w');
    expect(writer).toBe(number);
    readAvailable();

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statSync(other).size).toBe(0);
    expect(input.pending).toBe(0);
    expect(input.write(Buffer.from('x'))).toBe('taken');
    expect(statSync(other).size).toBe(0);
  });
});
