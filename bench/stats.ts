/** Summaries shared by the benchmarks. */

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  /** The 99.9th percentile: rare stalls that the p99 does not see. */
  p999: number;
  max: number;
  samples: number;
}

/** Nearest-rank percentiles, in ms. */
export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN;
  return {
    p50: at(50),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: sorted.at(-1) ?? NaN,
    samples: sorted.length,
  };
}

/** The middle value (the upper one of an even count); NaN when there is none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
