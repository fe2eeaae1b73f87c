import { describe, expect, it } from 'vitest';
import { extendedDeadline } from './deadline.js';

const MINUTE = 60_000;
const CREATED = 1_000_000;

describe('extendedDeadline', () => {
  it('adds one extension even when much time is left', () => {
    expect(extendedDeadline(CREATED + 60 * MINUTE, 15 * MINUTE, CREATED, 120 * MINUTE)).toBe(
      CREATED + 75 * MINUTE,
    );
  });

  it('stops at the total cap', () => {
    expect(extendedDeadline(CREATED + 110 * MINUTE, 15 * MINUTE, CREATED, 120 * MINUTE)).toBe(
      CREATED + 120 * MINUTE,
    );
  });

  it('never moves a deadline earlier, even one past a lowered cap', () => {
    expect(extendedDeadline(CREATED + 130 * MINUTE, 15 * MINUTE, CREATED, 120 * MINUTE)).toBe(
      CREATED + 130 * MINUTE,
    );
  });
});
