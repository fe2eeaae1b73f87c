import { describe, expect, it } from 'vitest';
import { FlowController } from './flow-control.js';

/** A window of 400 bytes at most and 40 at least; a slow client gets 10 ms of its rendering. */
function controller(socketOpen = () => true) {
  const events: string[] = [];
  const frames: number[] = [];
  const flow = new FlowController(
    { maxWindowBytes: 400, minWindowBytes: 40, aheadMs: 10 },
    { pause: () => events.push('pause'), resume: () => events.push('resume') },
    (frame) => {
      if (!socketOpen()) return false;
      frames.push(frame.length);
      return true;
    },
  );
  return { flow, events, frames };
}

const bytes = (count: number) => Buffer.alloc(count, 0x61);

describe('FlowController', () => {
  it('never has more unacked than the window, in frames of a quarter of it at most', () => {
    const { flow, events, frames } = controller();
    flow.send(bytes(250));
    expect(frames).toEqual([100, 100, 50]);
    expect(events).toEqual([]);
    flow.send(bytes(300));
    expect(frames).toEqual([100, 100, 50, 100, 50]); // cut at the window's edge
    expect(flow.unacked).toBe(400);
    expect(events).toEqual(['pause']);
    flow.send(bytes(10));
    expect(frames).toHaveLength(5); // waits while the window is full
  });

  it('resumes below a quarter of the window, sending what waited first', () => {
    const { flow, events, frames } = controller();
    flow.send(bytes(600));
    expect(events).toEqual(['pause']);
    flow.acked(300, 0);
    expect(events).toEqual(['pause']); // 100 unacked: not below a quarter yet
    flow.acked(1, 0);
    // Caught up in one step (no time between acks): the full window stays, the 200 go out.
    expect(frames).toEqual([100, 100, 100, 100, 100, 100]);
    expect(flow.unacked).toBe(299);
    expect(events).toEqual(['pause', 'resume']);
  });

  it('shrinks the window to the rendering time allowed of a client that acks slowly', () => {
    const { flow, events } = controller();
    flow.send(bytes(1000));
    // Four frames of 100, acked 10 ms apart: 10 bytes a ms, so 100 bytes for 10 ms.
    flow.acked(100, 0);
    flow.acked(100, 10);
    flow.acked(100, 20);
    expect(flow.window).toBe(400);
    flow.acked(100, 30);
    expect(flow.window).toBe(100);
    expect(flow.unacked).toBe(100); // what waited went out: up to the new window, 25 a frame
    expect(events).toEqual(['pause']); // and filled it again: the source never ran in between
  });

  it('gives the full window back to a client that catches up in one ack', () => {
    const { flow } = controller();
    flow.send(bytes(2000));
    for (let at = 0; at < 400; at += 100) flow.acked(100, at * 10); // 0.1 bytes a ms
    expect(flow.window).toBe(40); // the least window
    flow.acked(flow.unacked, 5000);
    expect(flow.window).toBe(400);
  });

  it('keeps a window that shrank paused until the client is below it too', () => {
    const { flow, events } = controller();
    flow.send(bytes(400));
    flow.acked(100, 0);
    flow.acked(100, 100);
    flow.acked(101, 200); // 99 left, but at 1 byte a ms the window is 40: still too much
    expect(flow.window).toBe(40);
    expect(events).toEqual(['pause']);
    flow.acked(90, 210);
    expect(events).toEqual(['pause', 'resume']);
  });

  it('never lets a client ack more than it was sent', () => {
    const { flow, events } = controller();
    flow.send(bytes(10));
    flow.acked(1_000_000);
    expect(flow.unacked).toBe(0);
    flow.send(bytes(400));
    expect(events).toEqual(['pause']);
  });

  it('drops what waits and lets the source run when the client goes away', () => {
    const { flow, events, frames } = controller();
    flow.send(bytes(500));
    flow.release();
    flow.release();
    expect(events).toEqual(['pause', 'resume']);
    flow.flush();
    expect(frames.reduce((sum, size) => sum + size, 0)).toBe(400);
  });

  it('sends everything that waits on flush, window or not', () => {
    const { flow, frames } = controller();
    flow.send(bytes(500));
    flow.flush();
    expect(frames.reduce((sum, size) => sum + size, 0)).toBe(500);
  });

  it('does not wait for acks that cannot be read, and waits again once they can', () => {
    const { flow, events, frames } = controller();
    flow.send(bytes(450));
    flow.setAcksUnreadable(true);
    expect(events).toEqual(['pause', 'resume']);
    flow.send(bytes(500));
    expect(frames.at(-1)).toBe(500); // far behind, but the acks are stuck
    expect(flow.unacked).toBe(950);
    flow.setAcksUnreadable(false);
    expect(events).toEqual(['pause', 'resume', 'pause']);
    flow.acked(940);
    expect(events).toEqual(['pause', 'resume', 'pause', 'resume']);
    flow.setAcksUnreadable(true);
    flow.setAcksUnreadable(false);
    expect(events).toHaveLength(4); // not behind: nothing to pause
  });

  it('counts only frames that went out: a closing socket does not fill the window', () => {
    let open = true;
    const { flow, events, frames } = controller(() => open);
    flow.send(bytes(300));
    expect(flow.unacked).toBe(300);
    open = false;
    flow.send(bytes(500));
    expect(flow.unacked).toBe(300);
    expect(frames).toEqual([100, 100, 100]);
    expect(events).toEqual([]); // the shell is not paused for a client that will never ack
  });
});
