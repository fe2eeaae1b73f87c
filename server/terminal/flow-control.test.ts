import { describe, expect, it } from 'vitest';
import { FlowController } from './flow-control.js';

function controller() {
  const events: string[] = [];
  const flow = new FlowController(
    { highBytes: 100, lowBytes: 20 },
    () => events.push('pause'),
    () => events.push('resume'),
  );
  return { flow, events };
}

describe('FlowController', () => {
  it('pauses above the high watermark and resumes below the low one, once each', () => {
    const { flow, events } = controller();
    flow.sent(60);
    flow.sent(40);
    expect(events).toEqual([]); // exactly at the watermark is not above it
    flow.sent(1);
    flow.sent(50);
    expect(events).toEqual(['pause']);
    flow.acked(100);
    expect(flow.unacked).toBe(51);
    expect(events).toEqual(['pause']); // between the watermarks: still paused
    flow.acked(40);
    expect(events).toEqual(['pause', 'resume']);
  });

  it('never lets a client ack more than it was sent', () => {
    const { flow, events } = controller();
    flow.sent(10);
    flow.acked(1_000_000);
    expect(flow.unacked).toBe(0);
    flow.sent(101);
    expect(events).toEqual(['pause']);
  });

  it('releases a paused source when the client goes away', () => {
    const { flow, events } = controller();
    flow.sent(500);
    flow.release();
    flow.release();
    expect(events).toEqual(['pause', 'resume']);
  });

  it('does not wait for acks that cannot be read, and waits again once they can', () => {
    const { flow, events } = controller();
    flow.sent(150);
    flow.setAcksUnreadable(true);
    expect(events).toEqual(['pause', 'resume']);
    flow.sent(500);
    expect(events).toEqual(['pause', 'resume']); // far behind, but the acks are stuck
    expect(flow.unacked).toBe(650);
    flow.setAcksUnreadable(false);
    expect(events).toEqual(['pause', 'resume', 'pause']);
    flow.acked(640);
    expect(events).toEqual(['pause', 'resume', 'pause', 'resume']);
    flow.setAcksUnreadable(true);
    flow.setAcksUnreadable(false);
    expect(events).toHaveLength(4); // not behind: nothing to pause
  });
});
