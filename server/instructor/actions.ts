/**
 * What an instructor may do to a learner's session, each one audited in the store: who (the
 * instructor, and from which address), when (the event's time) and what (the action, the
 * session, its learner and the outcome).
 *
 * A reset ends the session with the reason `reset`: the learner's page is told so over its
 * terminal WebSocket and starts a fresh session itself, exactly as its own Reset button does.
 * Progress lives with the learner, not the session, so it is kept.
 */
import type { BroadcastMessage } from '../../lib/protocol/index.js';
import type { SessionRegistry } from '../sessions/registry.js';
import type { Store } from '../store/index.js';
import type { Broadcaster } from './broadcast.js';

export type InstructorAction = 'extend' | 'reset' | 'end';

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
  } else if (action === 'reset') {
    await registry.end(session.id, 'reset');
    outcome = { reset: true };
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

/** Sends `text` to every learner's page (see broadcast.ts); audited with how many were connected. */
export function broadcastToLearners(
  broadcaster: Broadcaster,
  registry: SessionRegistry,
  store: Store,
  text: unknown,
  from: string,
): BroadcastMessage {
  const message = broadcaster.send(text);
  const recipients = registry.list().filter((session) => session.connected).length;
  store.recordEvent({
    actor: 'instructor',
    kind: 'instructor-broadcast',
    detail: { from, id: message.id, text: message.text, expiresAt: message.expiresAt, recipients },
  });
  return message;
}
