/**
 * What an instructor may do to a learner's session, each one audited in the store: who (the
 * instructor, and from which address), when (the event's time) and what (the action, the
 * session, its learner and the outcome).
 */
import type { SessionRegistry } from '../sessions/registry.js';
import type { Store } from '../store/index.js';

export type InstructorAction = 'extend' | 'end';

export class UnknownSessionError extends Error {
  override readonly name = 'UnknownSessionError';
}

/** Runs `action` on session `sessionId`; returns its outcome, as recorded. */
export async function runInstructorAction(
  registry: SessionRegistry,
  store: Store,
  action: InstructorAction,
  sessionId: string,
  from: string,
): Promise<Record<string, unknown>> {
  const session = registry.list().find((candidate) => candidate.id === sessionId);
  if (!session) throw new UnknownSessionError(`No live session ${sessionId}.`);
  let outcome: Record<string, unknown>;
  if (action === 'extend') {
    outcome = { expiresAt: session.extend() };
  } else {
    await registry.end(session.id);
    outcome = { ended: true };
  }
  store.recordEvent({
    actor: 'instructor',
    kind: `instructor-${action}`,
    detail: { from, sessionId, learner: session.learner, scenario: session.scenario, ...outcome },
  });
  return outcome;
}
