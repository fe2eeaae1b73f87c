/**
 * The measurements, each against one running peer through its own protocol's client. Every
 * wait is bounded; every terminal a measurement opens, it closes (also when it fails).
 */
import { performance } from 'node:perf_hooks';
import { sleep, type TermClient } from './client.js';
import { sampleTree, type TreeMemory } from './memory.js';
import type { Peer } from './peers.js';
import { latency, type Latency } from '../stats.js';
import { NestboxClient } from './transports.js';

/** Typed as `bench\076 ` so the command's own echo never looks like the prompt it sets. */
export const PROMPT = 'bench> ';
const START_TIMEOUT_MS = 20_000;
const COMMAND_TIMEOUT_MS = 10_000;
/** Keys typed before the measured ones, so the first measured key meets a warm path. */
const WARMUP_KEYS = 10;
/** Pause between keys: faster than anyone types, slow enough that echoes never overlap. */
const KEY_GAP_MS = 5;
const KEYS = 'abcdefghijklmnopqrstuvwxyz';
/** Keys one peer types before the next peer takes its turn (see interleavedEcho). */
const ECHO_BLOCK_KEYS = 50;
/** Idle time before a memory sample; see settleServer. */
const SETTLE_MS = 12_000;
/** Sessions opened at once while filling a server up. */
const OPEN_CONCURRENCY = 4;

/** Waits for the shell's first output, then sets a prompt the measurements can recognise. */
export async function ready(client: TermClient): Promise<void> {
  await client.firstOutput(START_TIMEOUT_MS);
  await client.settle(300, COMMAND_TIMEOUT_MS);
  const prompt = client.waitFor(PROMPT, COMMAND_TIMEOUT_MS);
  client.write("PS1='bench\\076 '\r");
  await prompt;
}

async function withClient<T>(peer: Peer, measure: (client: TermClient) => Promise<T>): Promise<T> {
  const client = await peer.connect();
  try {
    return await measure(client);
  } finally {
    await client.close();
  }
}

/** Runs `measure` on a fresh terminal showing the benchmark's prompt, and closes it after. */
export function withReadyClient<T>(
  peer: Peer,
  measure: (client: TermClient) => Promise<T>,
): Promise<T> {
  return withClient(peer, async (client) => {
    await ready(client);
    return measure(client);
  });
}

export interface OpenResult {
  /** From connecting (for Nestbox: from POST /api/sessions) to the first output byte. */
  ms: Latency;
  /** Nestbox only: the POST, which creates the sandbox and waits for its shell's prompt. */
  createMs?: Latency;
}

export async function openToPrompt(peer: Peer, repeats: number): Promise<OpenResult> {
  // One unmeasured round first: caches, JIT, the image's pages.
  await withClient(peer, (client) => client.firstOutput(START_TIMEOUT_MS));
  const samples: number[] = [];
  const creates: number[] = [];
  for (let round = 0; round < repeats; round++) {
    const started = performance.now();
    await withClient(peer, async (client) => {
      samples.push((await client.firstOutput(START_TIMEOUT_MS)) - started);
      if (client instanceof NestboxClient) creates.push(client.createMs);
    });
    await sleep(200);
  }
  return {
    ms: latency(samples),
    ...(creates.length > 0 ? { createMs: latency(creates) } : {}),
  };
}

/**
 * Echo times of single keys, in ms. The shell runs `dd bs=1` in raw mode without tty echo, so
 * each key is read and written back once by a program, at once (as a shell's line editor does;
 * `head` or `cat` through stdio would hold a key without newline in their buffer).
 */
export async function echoSamples(client: TermClient, keys: number): Promise<number[]> {
  const total = keys + WARMUP_KEYS;
  const go = client.waitFor('@@go@@', COMMAND_TIMEOUT_MS);
  const done = client.waitFor(PROMPT, COMMAND_TIMEOUT_MS + total * 1000);
  client.write(
    `stty raw -echo; echo @@g''o@@; dd bs=1 count=${total} status=none; stty sane; echo\r`,
  );
  await go;
  const samples: number[] = [];
  for (let index = 0; index < total; index++) {
    const key = KEYS[index % KEYS.length] ?? 'x';
    const echoed = client.waitFor(key, COMMAND_TIMEOUT_MS);
    const sent = performance.now();
    client.write(key);
    const at = await echoed;
    if (index >= WARMUP_KEYS) samples.push(at - sent);
    await sleep(KEY_GAP_MS);
  }
  await done;
  return samples;
}

export type EchoOutcome = { ok: true; latency: Latency } | { ok: false; error: string };

/**
 * Echo latency of every peer, `keys` keys each, typed in blocks of ECHO_BLOCK_KEYS that take
 * turns between the peers (in a rotating order). The machine's background load drifts over a
 * run; taking turns lets every peer see the same drift, so their figures can be compared.
 */
export async function interleavedEcho(
  peers: readonly Peer[],
  keys: number,
): Promise<Map<Peer, EchoOutcome>> {
  const outcomes = new Map<Peer, EchoOutcome>();
  const fail = (peer: Peer, error: unknown): void => {
    outcomes.set(peer, {
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
  };
  const clients = new Map<Peer, TermClient>();
  const samples = new Map<Peer, number[]>();
  await Promise.all(
    peers.map(async (peer) => {
      try {
        const client = await peer.connect();
        clients.set(peer, client);
        await ready(client);
        samples.set(peer, []);
      } catch (error) {
        fail(peer, error);
      }
    }),
  );
  try {
    const rounds = Math.ceil(keys / ECHO_BLOCK_KEYS);
    for (let round = 0; round < rounds; round++) {
      const block = Math.min(ECHO_BLOCK_KEYS, keys - round * ECHO_BLOCK_KEYS);
      const order = [...samples.keys()];
      for (let turn = 0; turn < order.length; turn++) {
        const peer = order[(turn + round) % order.length];
        const client = peer && clients.get(peer);
        if (!peer || !client || outcomes.has(peer)) continue;
        try {
          samples.get(peer)?.push(...(await echoSamples(client, block)));
        } catch (error) {
          fail(peer, error);
        }
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((client) => client.close().catch(() => undefined)));
  }
  for (const [peer, times] of samples) {
    if (!outcomes.has(peer)) outcomes.set(peer, { ok: true, latency: latency(times) });
  }
  return outcomes;
}

export interface ThroughputResult {
  /** Output bytes rendered per second, in MB (10^6 bytes). */
  mbPerSecond: number;
  outputBytes: number;
  seconds: number;
}

/** `head -c <bytes> /dev/urandom | base64`, timed from the Enter key to the end marker. */
export async function throughput(client: TermClient, bytes: number): Promise<ThroughputResult> {
  const done = client.waitFor('@@done@@', 600_000);
  const prompt = client.waitFor(PROMPT, 600_000);
  const before = client.processedBytes;
  const started = performance.now();
  client.write(`head -c ${bytes} /dev/urandom | base64; echo @@do''ne@@\r`);
  const finished = await done;
  const outputBytes = client.processedBytes - before;
  await prompt;
  const seconds = (finished - started) / 1000;
  return { mbPerSecond: outputBytes / seconds / 1e6, outputBytes, seconds };
}

export interface InterruptRound {
  /** From Ctrl-C to the prompt having been rendered. */
  ms: number;
  /** Bytes received but not yet rendered when Ctrl-C was pressed. */
  backlogBytes: number;
}

export interface InterruptResult {
  /** Median and worst over the rounds: where in its pause/resume cycle a flood is when Ctrl-C
   *  comes decides how much is still queued, so one round is luck. */
  ms: number;
  worstMs: number;
  rounds: InterruptRound[];
}

async function interruptOnce(
  client: TermClient,
  floodMs: number,
  renderRate: number,
): Promise<InterruptRound> {
  await client.settle(200, COMMAND_TIMEOUT_MS);
  client.setRenderRate(renderRate);
  try {
    client.write('yes\r');
    await sleep(floodMs);
    const backlogBytes = client.backlog;
    const prompt = client.waitFor(PROMPT, 600_000);
    const pressed = performance.now();
    client.write('\x03');
    return { ms: (await prompt) - pressed, backlogBytes };
  } finally {
    client.setRenderRate(undefined);
  }
}

/**
 * `yes` for `floodMs`, then Ctrl-C, with a renderer of `renderRate` bytes/s, `rounds` times:
 * how long until the learner sees the prompt again.
 */
export async function interruptFlood(
  client: TermClient,
  options: { floodMs: number; renderRate: number; rounds: number },
): Promise<InterruptResult> {
  const rounds: InterruptRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    rounds.push(await interruptOnce(client, options.floodMs, options.renderRate));
  }
  return {
    ms: latency(rounds.map((round) => round.ms)).p50,
    worstMs: Math.max(...rounds.map((round) => round.ms)),
    rounds,
  };
}

/** Opens `count` terminals, a few at a time, each up to its first output. */
async function openMany(peer: Peer, count: number, into: TermClient[]): Promise<void> {
  let remaining = count;
  let failure: Error | undefined;
  const worker = async (): Promise<void> => {
    while (remaining > 0 && failure === undefined) {
      remaining--;
      try {
        const client = await peer.connect();
        into.push(client);
        await client.firstOutput(START_TIMEOUT_MS);
      } catch (error) {
        failure ??= error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  // Every worker has stopped before this returns, so the caller can close all it opened.
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  if (failure) throw failure;
}

async function closeAll(clients: TermClient[]): Promise<void> {
  const queue = clients.splice(0);
  const worker = async (): Promise<void> => {
    for (let client = queue.pop(); client; client = queue.pop()) {
      await client.close().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Lets a server come to rest before its memory is measured: a full GC, then `SETTLE_MS` of
 * idling, since V8 gives freed pages back to the system only about ten seconds after a process
 * goes idle (measured: a fresh Node server's RSS falls 10 MB then). Shells finish starting too.
 */
export async function settleServer(peer: Peer): Promise<void> {
  peer.collectGarbage();
  await sleep(SETTLE_MS);
}

/** The median of three samples half a second apart, once the server has settled. */
async function steadyTree(peer: Peer): Promise<TreeMemory> {
  await settleServer(peer);
  const samples: TreeMemory[] = [];
  for (let index = 0; index < 3; index++) {
    if (index > 0) await sleep(500);
    samples.push(await sampleTree(peer.pid));
  }
  const median = (pick: (sample: TreeMemory) => number): number =>
    samples.map(pick).sort((a, b) => a - b)[1] ?? NaN;
  return {
    mainRssKB: median((sample) => sample.mainRssKB),
    helpersPssKB: median((sample) => sample.helpersPssKB),
    shellsPssKB: median((sample) => sample.shellsPssKB),
    sandboxCgroupKB: median((sample) => sample.sandboxCgroupKB),
  };
}

export interface LoadResult {
  /** Per idle session, over `sessions` sessions: the deltas of TreeMemory, divided. */
  memory: { sessions: number; perSession: TreeMemory };
  /** Echo latency of one more session while `openSessions` are open (itself included). */
  echo: { openSessions: number; latency: Latency };
}

/**
 * Memory per idle session (over `memorySessions`), then echo latency with `openSessions` open.
 * Every terminal opened here is closed before it returns.
 */
export async function underLoad(
  peer: Peer,
  memorySessions: number,
  openSessions: number,
  keys: number,
): Promise<LoadResult> {
  const clients: TermClient[] = [];
  try {
    // One unmeasured terminal first: costs paid once (code loaded on first use, pools) are not
    // the sessions'.
    await withClient(peer, (client) => client.firstOutput(START_TIMEOUT_MS));
    const before = await steadyTree(peer);
    await openMany(peer, memorySessions, clients);
    const after = await steadyTree(peer);
    const per = (pick: (sample: TreeMemory) => number): number =>
      (pick(after) - pick(before)) / memorySessions;
    const memory = {
      sessions: memorySessions,
      perSession: {
        mainRssKB: per((sample) => sample.mainRssKB),
        helpersPssKB: per((sample) => sample.helpersPssKB),
        shellsPssKB: per((sample) => sample.shellsPssKB),
        sandboxCgroupKB: per((sample) => sample.sandboxCgroupKB),
      },
    };
    await openMany(peer, Math.max(0, openSessions - 1 - clients.length), clients);
    const measured = await peer.connect();
    clients.push(measured);
    await ready(measured);
    return {
      memory,
      echo: { openSessions: clients.length, latency: latency(await echoSamples(measured, keys)) },
    };
  } finally {
    await closeAll(clients);
  }
}
