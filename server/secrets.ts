import { timingSafeEqual } from 'node:crypto';

/** Compares a secret in constant time, so response timing reveals nothing about it. */
export function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
