/**
 * When a session ends after one more "Extend": its deadline plus one extension, never past the
 * total cap. Extending early counts in full: a learner who asks for more time at the start of
 * a long lab gets it, as the button promises, and the cap still bounds how long a sandbox lives.
 */
export function extendedDeadline(
  deadline: number,
  extendMs: number,
  createdAt: number,
  maxTtlMs: number,
): number {
  return Math.max(deadline, Math.min(createdAt + maxTtlMs, deadline + extendMs));
}
