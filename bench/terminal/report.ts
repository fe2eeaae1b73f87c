/**
 * The benchmark's output: a table of every figure with its ratio to the best peer, the issue's
 * targets checked against it, and the whole result as JSON under bench/results/.
 */
import type { Latency } from '../stats.js';
import type { InterruptResult, LoadResult, OpenResult, ThroughputResult } from './measurements.js';
import { PEER_LABELS, type PeerName } from './peers.js';

export interface PeerResult {
  name: PeerName;
  /** Why the peer could not be installed or started; undefined when it ran. */
  unavailable?: string;
  /** Measurement name → why it failed. */
  errors: Record<string, string>;
  open?: OpenResult;
  echo?: Latency;
  throughput?: ThroughputResult;
  interrupt?: InterruptResult;
  /** Peak growth of the server's main process RSS from rest through both floods. */
  floodRssGrowthKB?: number;
  load?: LoadResult;
}

export interface RunOptions {
  quick: boolean;
  peers: PeerName[];
  keys: number;
  throughputBytes: number;
  openRepeats: number;
  memorySessions: number;
  openSessions: number;
  floodMs: number;
  interruptRounds: number;
  renderBytesPerSecond: number;
}

interface Row {
  id: string;
  label: string;
  better: 'lower' | 'higher';
  /** Digits after the point. */
  digits: number;
  pick: (result: PeerResult) => number | undefined;
}

/** The growth of server RSS during a flood that still counts as flat (see bench/README.md). */
export const FLAT_RSS_GROWTH_MB = 10;
export const CTRL_C_TARGET_MS = 50;

function rows(options: RunOptions): Row[] {
  const perSession = (result: PeerResult) => result.load?.memory.perSession;
  const mb = (options.throughputBytes / 1e6).toFixed(0);
  const render = (options.renderBytesPerSecond / 1e6).toFixed(0);
  return [
    { id: 'echoP50', label: 'Echo p50 (ms)', better: 'lower', digits: 2, pick: (r) => r.echo?.p50 },
    { id: 'echoP95', label: 'Echo p95 (ms)', better: 'lower', digits: 2, pick: (r) => r.echo?.p95 },
    { id: 'echoP99', label: 'Echo p99 (ms)', better: 'lower', digits: 2, pick: (r) => r.echo?.p99 },
    {
      id: 'throughput',
      label: `Throughput, base64 of ${mb} MB (MB/s)`,
      better: 'higher',
      digits: 1,
      pick: (r) => r.throughput?.mbPerSecond,
    },
    {
      id: 'open',
      label: 'Open → first prompt byte p50 (ms)',
      better: 'lower',
      digits: 0,
      pick: (r) => r.open?.ms.p50,
    },
    {
      id: 'interrupt',
      label: `Ctrl-C → prompt after ${options.floodMs / 1000} s of yes, ${render} MB/s renderer, median (ms)`,
      better: 'lower',
      digits: 0,
      pick: (r) => r.interrupt?.ms,
    },
    {
      id: 'interruptWorst',
      label: `Ctrl-C → prompt, worst of ${options.interruptRounds} rounds (ms)`,
      better: 'lower',
      digits: 0,
      pick: (r) => r.interrupt?.worstMs,
    },
    {
      id: 'floodRss',
      label: 'Server RSS growth from rest through both floods (MB)',
      better: 'lower',
      digits: 1,
      pick: (r) => (r.floodRssGrowthKB === undefined ? undefined : r.floodRssGrowthKB / 1024),
    },
    {
      id: 'serverMemory',
      label: `Server memory per idle session, over ${options.memorySessions} (KB)`,
      better: 'lower',
      digits: 0,
      pick: (r) => {
        const per = perSession(r);
        return per ? per.mainRssKB + per.helpersPssKB : undefined;
      },
    },
    {
      id: 'mainRss',
      label: 'Server per idle session: main process RSS (KB)',
      better: 'lower',
      digits: 0,
      pick: (r) => perSession(r)?.mainRssKB,
    },
    {
      id: 'helpersPss',
      label: 'Server per idle session: helper processes PSS (KB)',
      better: 'lower',
      digits: 0,
      pick: (r) => perSession(r)?.helpersPssKB,
    },
    {
      id: 'shellPss',
      label: 'Shell PSS per idle session (KB)',
      better: 'lower',
      digits: 0,
      pick: (r) => perSession(r)?.shellsPssKB,
    },
    {
      id: 'sandboxCgroup',
      label: 'Sandbox cgroup memory per idle session (KB)',
      better: 'lower',
      digits: 0,
      pick: (r) => (r.name === 'nestbox' ? perSession(r)?.sandboxCgroupKB : undefined),
    },
    {
      id: 'loadedEchoP99',
      label: `Echo p99 with ${options.openSessions} sessions open (ms)`,
      better: 'lower',
      digits: 2,
      pick: (r) => r.load?.echo.latency.p99,
    },
  ];
}

function bestOf(values: number[], better: Row['better']): number | undefined {
  if (values.length === 0) return undefined;
  return better === 'lower' ? Math.min(...values) : Math.max(...values);
}

/** The best figure among the peers (everything but Nestbox) for one row. */
function bestPeer(results: PeerResult[], row: Row): number | undefined {
  const values = results
    .filter((result) => result.name !== 'nestbox')
    .map(row.pick)
    .filter((value): value is number => value !== undefined && Number.isFinite(value));
  return bestOf(values, row.better);
}

export function table(results: PeerResult[], options: RunOptions): string {
  const header = ['Figure', ...results.map((result) => PEER_LABELS[result.name]), 'best peer'];
  const lines = rows(options).map((row) => {
    const best = bestPeer(results, row);
    const cells = results.map((result) => {
      if (result.unavailable !== undefined) return 'unavailable';
      const value = row.pick(result);
      if (value === undefined || !Number.isFinite(value)) return '—';
      const ratio = best === undefined || best === 0 ? '' : ` (${(value / best).toFixed(2)}×)`;
      return `${value.toFixed(row.digits)}${ratio}`;
    });
    return [row.label, ...cells, best === undefined ? '—' : best.toFixed(row.digits)];
  });
  return [header, header.map(() => '---'), ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}

export interface TargetCheck {
  target: string;
  /** undefined: not measured (a figure is missing). */
  met: boolean | undefined;
  detail: string;
}

export function checkTargets(results: PeerResult[], options: RunOptions): TargetCheck[] {
  const nestbox = results.find((result) => result.name === 'nestbox');
  const all = rows(options);
  const compare = (
    target: string,
    id: string,
    test: (value: number, best: number) => boolean,
    describe: (value: number, best: number) => string,
  ): TargetCheck => {
    const row = all.find((candidate) => candidate.id === id);
    const value = row && nestbox ? row.pick(nestbox) : undefined;
    const best = row ? bestPeer(results, row) : undefined;
    if (value === undefined || best === undefined) {
      return { target, met: undefined, detail: 'not measured' };
    }
    return { target, met: test(value, best), detail: describe(value, best) };
  };
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const flood = nestbox?.interrupt;
  const growth = nestbox?.floodRssGrowthKB;
  return [
    compare(
      'Echo p50 at or below the best peer',
      'echoP50',
      (value, best) => value <= best,
      (value, best) => `${ms(value)} vs ${ms(best)}`,
    ),
    compare(
      'Throughput at or above the best peer',
      'throughput',
      (value, best) => value >= best,
      (value, best) => `${value.toFixed(1)} vs ${best.toFixed(1)} MB/s`,
    ),
    compare(
      "Sandboxed open → prompt at or below half the fastest peer's unsandboxed figure",
      'open',
      (value, best) => value <= best / 2,
      (value, best) =>
        `${value.toFixed(0)} ms vs ${(best / 2).toFixed(0)} ms (half of ${best.toFixed(0)})`,
    ),
    flood
      ? {
          target: `Ctrl-C → prompt under ${CTRL_C_TARGET_MS} ms with the slow consumer, every round`,
          met: flood.worstMs < CTRL_C_TARGET_MS,
          detail: `median ${flood.ms.toFixed(0)} ms, worst ${flood.worstMs.toFixed(0)} ms`,
        }
      : { target: 'Ctrl-C → prompt under 50 ms', met: undefined, detail: 'not measured' },
    growth === undefined
      ? { target: 'Server RSS flat during a flood', met: undefined, detail: 'not measured' }
      : {
          target: `Server RSS flat during a flood (grows under ${FLAT_RSS_GROWTH_MB} MB)`,
          met: growth / 1024 < FLAT_RSS_GROWTH_MB,
          detail: `+${(growth / 1024).toFixed(1)} MB`,
        },
  ];
}

export function targetLines(checks: TargetCheck[]): string {
  const mark = (met: boolean | undefined) =>
    met === undefined ? 'NOT MEASURED' : met ? 'met' : 'NOT MET';
  return checks
    .map((check) => `- ${check.target}: ${mark(check.met)} (${check.detail})`)
    .join('\n');
}
