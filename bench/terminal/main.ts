/**
 * `npm run bench -- terminal [flags]`: Nestbox's terminal transport against wetty, shellinabox
 * and a plain node-pty + ws baseline, on 127.0.0.1, all measured by the same clients. The servers
 * are started together and measured one at a time, except echo latency, for which they take
 * turns. See bench/README.md for what each figure means and how to read the table.
 */
import { parseArgs } from 'node:util';
import {
  interleavedEcho,
  interruptFlood,
  openToPrompt,
  settleServer,
  throughput,
  underLoad,
  withReadyClient,
} from './measurements.js';
import { writeResults } from '../results.js';
import { watchRss } from './memory.js';
import { PEER_LABELS, PEER_STARTERS, type Peer, type PeerName } from './peers.js';
import { checkTargets, table, targetLines, type PeerResult, type RunOptions } from './report.js';

const USAGE = `usage: npm run bench -- terminal [--quick] [--peers nestbox,baseline,wetty,shellinabox]
  [--keys 500] [--mb 50] [--repeats 10] [--sessions 100] [--open 200]
  --quick     throughput of 5 MB instead of 50, and 5 open→prompt rounds instead of 10
  --keys      keys per echo measurement
  --mb        MB of /dev/urandom piped through base64 for throughput
  --repeats   rounds of open → first prompt byte
  --sessions  idle sessions to divide memory growth by
  --open      sessions open while echo p99 under load is measured`;

const ALL_PEERS: PeerName[] = ['nestbox', 'baseline', 'wetty', 'shellinabox'];

function count(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new Error(`--${name} needs a count`);
  return number;
}

function parseOptions(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      peers: { type: 'string' },
      keys: { type: 'string' },
      mb: { type: 'string' },
      repeats: { type: 'string' },
      sessions: { type: 'string' },
      open: { type: 'string' },
    },
  });
  const peers = values.peers?.split(',').map((name) => name.trim()) ?? ALL_PEERS;
  for (const name of peers) {
    if (!ALL_PEERS.includes(name as PeerName)) throw new Error(`unknown peer ${name}`);
  }
  const quick = values.quick;
  const memorySessions = count(values.sessions, 100, 'sessions');
  return {
    quick,
    peers: peers as PeerName[],
    keys: count(values.keys, 500, 'keys'),
    throughputBytes: count(values.mb, quick ? 5 : 50, 'mb') * 1_000_000,
    openRepeats: count(values.repeats, quick ? 5 : 10, 'repeats'),
    memorySessions,
    openSessions: Math.max(memorySessions, count(values.open, 200, 'open')),
    floodMs: 3000,
    interruptRounds: 3,
    renderBytesPerSecond: 5_000_000,
  };
}

function progress(message: string): void {
  console.error(`[bench terminal] ${message}`);
}

/** Runs one measurement; a failure is recorded against it and the next one still runs. */
async function step<T>(
  result: PeerResult,
  name: string,
  measure: () => Promise<T>,
  show: (value: T) => string,
): Promise<T | undefined> {
  const started = Date.now();
  try {
    const value = await measure();
    progress(`  ${name}: ${show(value)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return value;
  } catch (error) {
    result.errors[name] = error instanceof Error ? error.message : String(error);
    progress(`  ${name}: FAILED ${result.errors[name] ?? ''}`);
    return undefined;
  }
}

async function startPeer(result: PeerResult, options: RunOptions): Promise<Peer | undefined> {
  progress(`${PEER_LABELS[result.name]}: starting`);
  try {
    return await PEER_STARTERS[result.name]({
      maxSessions: options.openSessions + 2,
      log: progress,
    });
  } catch (error) {
    result.unavailable = error instanceof Error ? error.message : String(error);
    progress(`${PEER_LABELS[result.name]}: unavailable: ${result.unavailable}`);
    return undefined;
  }
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** Everything but the echo latency, which all peers measure together (see interleavedEcho). */
async function measurePeer(peer: Peer, result: PeerResult, options: RunOptions): Promise<void> {
  progress(`${PEER_LABELS[peer.name]}: measuring`);
  result.load = await step(
    result,
    `${options.memorySessions} idle sessions, then echo with ${options.openSessions} open`,
    () => underLoad(peer, options.memorySessions, options.openSessions, options.keys),
    (load) =>
      `server ${(load.memory.perSession.mainRssKB + load.memory.perSession.helpersPssKB).toFixed(0)} KB/session, ` +
      `echo p99 ${ms(load.echo.latency.p99)}`,
  );
  result.open = await step(
    result,
    'open → first prompt byte',
    () => openToPrompt(peer, options.openRepeats),
    (open) => `p50 ${ms(open.ms.p50)}`,
  );
  // From rest, so that the floods' heap growth is not hidden by heap the sessions above grew.
  await settleServer(peer);
  const rss = watchRss(peer.pid);
  result.throughput = await step(
    result,
    'throughput',
    () => withReadyClient(peer, (client) => throughput(client, options.throughputBytes)),
    (value) => `${value.mbPerSecond.toFixed(1)} MB/s`,
  );
  result.interrupt = await step(
    result,
    'Ctrl-C after a flood',
    () =>
      withReadyClient(peer, (client) =>
        interruptFlood(client, {
          floodMs: options.floodMs,
          renderRate: options.renderBytesPerSecond,
          rounds: options.interruptRounds,
        }),
      ),
    (value) =>
      `median ${ms(value.ms)}, worst ${ms(value.worstMs)}, backlogs ` +
      `${value.rounds.map((round) => (round.backlogBytes / 1e6).toFixed(2)).join('/')} MB`,
  );
  result.floodRssGrowthKB = await rss.stop();
  progress(
    `  server RSS growth over both floods: ${(result.floodRssGrowthKB / 1024).toFixed(1)} MB`,
  );
}

export async function runTerminalBench(argv: string[]): Promise<number> {
  let options: RunOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const startedAt = new Date();
  const results: PeerResult[] = options.peers.map((name) => ({ name, errors: {} }));
  const running = new Map<PeerResult, Peer>();
  // Interrupted: stop what was started (Nestbox destroys its sandboxes), then leave.
  const interrupted = (): void => {
    progress('interrupted: stopping servers');
    void Promise.allSettled([...running.values()].map((peer) => peer.stop())).then(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // All are started first and stay up: the echo comparison needs them at once.
    for (const result of results) {
      const peer = await startPeer(result, options);
      if (peer) running.set(result, peer);
    }
    for (const [result, peer] of running) await measurePeer(peer, result, options);
    progress(`echo: ${options.keys} keys each, the servers taking turns`);
    const outcomes = await interleavedEcho([...running.values()], options.keys);
    for (const [result, peer] of running) {
      const outcome = outcomes.get(peer);
      if (outcome?.ok) {
        result.echo = outcome.latency;
        const { p50, p95, p99 } = outcome.latency;
        progress(`  ${PEER_LABELS[peer.name]}: p50 ${ms(p50)} p95 ${ms(p95)} p99 ${ms(p99)}`);
      } else if (outcome) {
        result.errors.echo = outcome.error;
        progress(`  ${PEER_LABELS[peer.name]}: FAILED ${outcome.error}`);
      }
    }
  } finally {
    for (const [result, peer] of running) {
      const stopping = Date.now();
      await peer.stop();
      running.delete(result);
      const seconds = ((Date.now() - stopping) / 1000).toFixed(1);
      progress(`${PEER_LABELS[peer.name]}: stopped (${seconds} s)`);
    }
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
  const checks = checkTargets(results, options);
  console.log(table(results, options));
  console.log(`\nTargets (issue 4):\n${targetLines(checks)}`);
  for (const result of results) {
    for (const [measurement, error] of Object.entries(result.errors)) {
      console.log(`${PEER_LABELS[result.name]} ${measurement} failed: ${error}`);
    }
  }
  console.log(
    `\nResults: ${await writeResults('terminal', startedAt, { options, results, targets: checks })}`,
  );
  return 0;
}
