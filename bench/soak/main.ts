/**
 * `npm run bench -- soak [--minutes 10]`: the noisy-neighbour soak (soak.ts, bench/README.md).
 * Prints the quiet session's echo latency idle and under load, the ratio of their p99s, and the
 * server's RSS and open fds; exits 1 when a target of issue 8 is missed.
 */
import { parseArgs } from 'node:util';
import type { Latency } from '../stats.js';
import { runSoak, type NoiseName } from './soak.js';

const NOISE_FLAGS: Record<string, NoiseName> = {
  fork: 'fork bomb',
  memory: 'memory bomb',
  cpu: 'CPU hogs',
};
const USAGE = 'usage: npm run bench -- soak [--minutes 10] [--noise fork,memory,cpu]';
/** The targets of issue 8. */
const MAX_P99_RATIO = 2;
const MAX_RSS_GROWTH_MB = 10;

export async function runSoakBench(argv: string[]): Promise<number> {
  let minutes: number;
  let noise: NoiseName[];
  try {
    const { values } = parseArgs({
      args: argv,
      options: { minutes: { type: 'string' }, noise: { type: 'string' } },
    });
    minutes = Number(values.minutes ?? 10);
    if (!(minutes >= 0.1 && minutes <= 24 * 60)) throw new Error('--minutes must be 0.1 to 1440');
    noise = parseNoise(values.noise ?? Object.keys(NOISE_FLAGS).join(','));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  console.log(`soak: ${minutes} min of ${noise.join(', ')} beside one typist`);
  const result = await runSoak({
    durationMs: minutes * 60_000,
    noise,
    runDir: '/run/nestbox-bench-soak',
    cgroupParent: 'nestbox-bench-soak',
    idBase: 1_960_000_000,
    log: (line) => {
      console.log(line);
    },
  });
  const ms = (value: number): string => `${value.toFixed(2)} ms`;
  // p99.9 and max beside the judged p99: the bombs' rare stalls (bench/README.md) show only there.
  const percentiles = (of: Latency): string =>
    `p50 ${ms(of.p50)}, p99 ${ms(of.p99)}, p99.9 ${ms(of.p999)}, max ${ms(of.max)}`;
  console.log(
    [
      `echo idle:       ${percentiles(result.baseline)} (${result.baseline.samples} keys; ` +
        `p99 ${ms(result.idleBefore.p99)} before the load, ${ms(result.idleAfter.p99)} after it)`,
      `echo under load: ${percentiles(result.underLoad)} (${result.underLoad.samples} keys)`,
      `p99 ratio: ${result.p99Ratio.toFixed(2)}× (target ≤ ${MAX_P99_RATIO}×); against the window ` +
        `before the load alone ${(result.underLoad.p99 / result.idleBefore.p99).toFixed(2)}×, ` +
        `after it alone ${(result.underLoad.p99 / result.idleAfter.p99).toFixed(2)}×`,
      `server RSS: ${result.rssMb.atStart.toFixed(1)} MB at the start of the load, max ${result.rssMb.max.toFixed(1)}, ` +
        `${result.rssMb.atEnd.toFixed(1)} at the end; growth ${result.rssGrowthMb.toFixed(1)} MB (target < ${MAX_RSS_GROWTH_MB})`,
      `  of which, garbage included: heap used ${result.heapUsedGrowthMb.toFixed(1)} MB ` +
        `(V8's reserved heap ${result.heapTotalGrowthMb.toFixed(1)} MB), external ${result.externalGrowthMb.toFixed(1)} MB`,
      `server live memory (after a full GC): ${result.liveMb.before.toFixed(1)} MB before the load, ` +
        `each minute ${result.liveMb.eachMinute.map((mb) => mb.toFixed(1)).join(', ') || '-'}, ${result.liveMb.after.toFixed(1)} MB after it`,
      `server fds: ${result.fds.before} before the load, max ${result.fds.max}, ${result.fds.after} after it (target: back to ${result.fds.before})`,
    ].join('\n'),
  );
  const met =
    result.p99Ratio <= MAX_P99_RATIO &&
    result.rssGrowthMb < MAX_RSS_GROWTH_MB &&
    result.fds.after <= result.fds.before;
  console.log(met ? 'targets: met' : 'targets: NOT met');
  return met ? 0 : 1;
}

/** `--noise fork,cpu` → the neighbours to start, each at most once. */
function parseNoise(list: string): NoiseName[] {
  const names = new Set<NoiseName>();
  for (const flag of list.split(',')) {
    const name = NOISE_FLAGS[flag.trim()];
    if (name === undefined) {
      throw new Error(`--noise takes ${Object.keys(NOISE_FLAGS).join(', ')}, not "${flag}"`);
    }
    names.add(name);
  }
  return [...names];
}
