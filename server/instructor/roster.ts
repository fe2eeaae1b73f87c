/**
 * The instructor's roster: every live session with its learner's progress and its sandbox's
 * usage right now. The browser keeps the history for its sparklines; this is one snapshot.
 */
import type { SessionRegistry } from '../sessions/registry.js';
import type { Store } from '../store/index.js';

export interface RosterEntry {
  sessionId: string;
  learner: string;
  scenario: string;
  currentStep: number;
  passedSteps: number[];
  expiresAt: number;
  connected: boolean;
  /** Null when the sandbox could not be read (it is going away). */
  usage: {
    pids: number;
    pidsMax: number | null;
    memoryBytes: number;
    memoryMaxBytes: number | null;
    cpuUsageNs: number;
    cpuQuotaCores: number;
  } | null;
}

export async function roster(registry: SessionRegistry, store: Store): Promise<RosterEntry[]> {
  return Promise.all(
    registry.list().map(async (session): Promise<RosterEntry> => {
      const progress = store.progress(session.learner, session.scenario);
      const usage = await session.usage().catch(() => null);
      return {
        sessionId: session.id,
        learner: session.learner,
        scenario: session.scenario,
        currentStep: progress?.currentStep ?? 0,
        passedSteps: progress?.passedSteps ?? [],
        expiresAt: session.expiresAt,
        connected: session.connected,
        usage: usage && {
          pids: usage.pidsCurrent,
          pidsMax: usage.pidsMax,
          memoryBytes: usage.memoryBytes,
          memoryMaxBytes: usage.memoryMaxBytes,
          cpuUsageNs: usage.cpuUsageNs,
          cpuQuotaCores: usage.cpuQuotaCores,
        },
      };
    }),
  );
}
