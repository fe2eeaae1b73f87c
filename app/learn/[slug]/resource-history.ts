import type { StatsMessage } from '@/lib/protocol';

/**
 * The learner's recent resource samples, fed by the terminal connection's `stats` messages and
 * read by the Resources panel. A tiny external store (for React's useSyncExternalStore) rather
 * than a context, so the terminal code and the panel stay apart and the lesson layout needs no
 * new provider. The page shows one lesson, so one store per page is enough.
 */

/** One point on the graphs: gauges as read, counters turned into rates between samples. */
export interface ResourceSample {
  at: number;
  pids: number;
  pidsMax: number | null;
  memoryBytes: number;
  memoryMaxBytes: number | null;
  /** CPU used since the previous sample, in cores (1 = one core fully busy). */
  cpuCores: number;
  cpuQuotaCores: number | null;
  /** Share of the interval the sandbox was held back by its quota, 0 to 1. */
  throttled: number;
  /** OOM kills and failed forks since the previous sample. */
  oomKills: number;
  pidsLimitHits: number;
}

/** About five minutes at one sample a second. */
export const HISTORY_SAMPLES = 300;
/** Several terminals (tabs) each get the stream; samples closer than this are duplicates. */
const MIN_GAP_MS = 500;

let panelOpen = false;
let samples: readonly ResourceSample[] = [];
let previous: StatsMessage | undefined;
const listeners = new Set<() => void>();

/** Turns a raw stats message into a sample, given the one before it (counters are cumulative). */
export function toSample(message: StatsMessage, before: StatsMessage | undefined): ResourceSample {
  const elapsedNs = before ? Math.max(1, message.at - before.at) * 1e6 : 0;
  const delta = (now: number, then: number | undefined) => Math.max(0, now - (then ?? now));
  return {
    at: message.at,
    pids: message.pidsCurrent,
    pidsMax: message.pidsMax,
    memoryBytes: message.memoryBytes,
    memoryMaxBytes: message.memoryMaxBytes,
    cpuCores: elapsedNs ? delta(message.cpuUsageNs, before?.cpuUsageNs) / elapsedNs : 0,
    cpuQuotaCores: message.cpuQuotaCores,
    throttled: elapsedNs
      ? Math.min(1, delta(message.cpuThrottledNs, before?.cpuThrottledNs) / elapsedNs)
      : 0,
    oomKills: delta(message.oomKills, before?.oomKills),
    pidsLimitHits: delta(message.pidsLimitHits, before?.pidsLimitHits),
  };
}

export function recordStats(message: StatsMessage): void {
  if (previous && message.at - previous.at < MIN_GAP_MS) return;
  // A new sandbox (a restarted session) starts its counters again: no rate across that gap.
  const restarted = previous !== undefined && message.cpuUsageNs < previous.cpuUsageNs;
  const sample = toSample(message, restarted ? undefined : previous);
  previous = message;
  samples = [...samples.slice(-(HISTORY_SAMPLES - 1)), sample];
  for (const listener of listeners) listener();
}

/** Opens or closes the Resources panel (a lesson page with `"resources": true` opens it). */
export function setResourcesOpen(open: boolean): void {
  if (panelOpen === open) return;
  panelOpen = open;
  for (const listener of listeners) listener();
}

export function resourcesOpen(): boolean {
  return panelOpen;
}

export function subscribeResources(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function resourceSamples(): readonly ResourceSample[] {
  return samples;
}

const EMPTY: readonly ResourceSample[] = [];
/** The server render has no samples. */
export function noResourceSamples(): readonly ResourceSample[] {
  return EMPTY;
}
