/**
 * The noisy-neighbour soak (bench/soak) shortened to 30 s of load, with loose bounds, so that a
 * regression in isolation under load cannot land silently. `npm run bench -- soak` is the full
 * ten minutes against the targets of issue 8 (p99 within 2× of the idle baseline).
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../bench/soak/soak.js';

describe('a learner beside a fork bomb, a memory bomb and CPU hogs', () => {
  it('still gets fast echo, and the server keeps its memory and fds', async () => {
    const result = await runSoak({
      durationMs: 30_000,
      runDir: '/run/nestbox-it-soak',
      cgroupParent: 'nestbox-it-soak',
      idBase: 1_940_000_000,
      log: () => undefined,
    });
    console.log(
      `soak: echo p99 ${result.baseline.p99.toFixed(2)} ms idle ` +
        `(${result.idleBefore.p99.toFixed(2)} before, ${result.idleAfter.p99.toFixed(2)} after), ` +
        `${result.underLoad.p99.toFixed(2)} ms under load (${result.p99Ratio.toFixed(2)}×); ` +
        `RSS growth ${result.rssGrowthMb.toFixed(1)} MB; live memory ` +
        `${result.liveMb.before.toFixed(1)} → ${result.liveMb.after.toFixed(1)} MB; ` +
        `fds ${result.fds.before} → ${result.fds.after}`,
    );
    expect(result.underLoad.samples).toBeGreaterThan(1000);
    // 10× the idle p99, but never below 25 ms: an idle p99 well under a millisecond would
    // otherwise make scheduler noise a failure. A starved typist waits hundreds of ms.
    expect(result.underLoad.p99).toBeLessThanOrEqual(Math.max(10 * result.baseline.p99, 25));
    // Once the noisy sandboxes are gone, the quiet learner is not left starved (a loose bound, as
    // above: the two idle windows differ by this machine's noise, bench/README.md "soak").
    expect(result.idleAfter.p99).toBeLessThanOrEqual(Math.max(10 * result.idleBefore.p99, 25));
    expect(result.rssGrowthMb).toBeLessThan(50);
    // What stays reachable once the noisy sessions are gone: a few MB of warm-up (bench/README),
    // where a leak of their output or of their flood would be tens.
    expect(result.liveMb.after - result.liveMb.before).toBeLessThan(16);
    expect(result.fds.after).toBeLessThanOrEqual(result.fds.before + 5);
  }, 120_000);
});
