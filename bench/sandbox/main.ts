/**
 * `npm run bench -- sandbox [--runs 50]`: how long a learner waits for a sandboxed shell, and how
 * long ending it takes, against a plain unsandboxed `bash` in a pty measured in the same run
 * (interleaved, so both see the same machine). See bench/README.md.
 */
import { parseArgs } from 'node:util';
import { spawn, type IPty } from 'node-pty';
import { loadConfig } from '../../server/config.js';
import { cgroupHierarchies } from '../../server/sandbox/cgroups.js';
import { removeCgroupTree } from '../../server/sandbox/cgroup-tree.js';
import { openSandboxHost, type CommandLine, type SandboxHost } from '../../server/sandbox/index.js';
import { latency } from '../stats.js';

const USAGE = 'usage: npm run bench -- sandbox [--runs 50]';

/** A host of the benchmark's own, so it never touches a running server's sandboxes. */
const BENCH_ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-bench-sandbox',
  NESTBOX_ID_BASE: '1800000000',
  NESTBOX_CGROUP_PARENT: 'nestbox-bench-sandbox',
};

interface Sample {
  /** From asking for the shell to its first output byte (the prompt), in ms. */
  firstByteMs: number;
  /** From asking for the end to everything being gone, in ms. */
  endMs: number;
}

function firstByte(pty: IPty): Promise<void> {
  return new Promise((resolve) => {
    const listener = pty.onData(() => {
      listener.dispose();
      resolve();
    });
  });
}

function exited(pty: IPty): Promise<void> {
  return new Promise((resolve) => {
    pty.onExit(() => {
      resolve();
    });
  });
}

function inPty(line: CommandLine): IPty {
  return spawn(line.file, line.args, { name: 'xterm-256color', cols: 80, rows: 24, env: line.env });
}

/** Create, start in a pty, first byte; then destroy, which kills the shell and cleans up. */
async function sandboxed(host: SandboxHost): Promise<Sample> {
  const started = performance.now();
  const sandbox = await host.create({ terminal: true });
  const pty = inPty(sandbox.start);
  await firstByte(pty);
  const firstByteMs = performance.now() - started;
  const gone = exited(pty);
  const ending = performance.now();
  await sandbox.destroy();
  const endMs = performance.now() - ending;
  await gone;
  return { firstByteMs, endMs };
}

/** The same for the host's own bash: spawn, first byte; then SIGKILL and its exit. */
async function plain(): Promise<Sample> {
  const started = performance.now();
  const pty = inPty({ file: 'bash', args: [], env: process.env });
  await firstByte(pty);
  const firstByteMs = performance.now() - started;
  const ending = performance.now();
  const gone = exited(pty);
  pty.kill('SIGKILL');
  await gone;
  return { firstByteMs, endMs: performance.now() - ending };
}

function row(label: string, nestbox: number[], bash: number[]): string {
  const [ourTimes, theirTimes] = [latency(nestbox), latency(bash)];
  const cells = (['p50', 'p95'] as const).flatMap((percentile) => {
    const ours = ourTimes[percentile];
    const theirs = theirTimes[percentile];
    return [ours.toFixed(1), theirs.toFixed(1), `${(ours / theirs).toFixed(2)}×`];
  });
  return `| ${label} | ${cells.join(' | ')} |`;
}

export async function runSandboxBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { runs: { type: 'string' } } });
  const runs = Number(values.runs ?? 50);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig({ ...process.env, ...BENCH_ENV });
  const host = await openSandboxHost({ ...config, maxSandboxes: 2 });
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  try {
    // One of each first, unrecorded: page cache and lazy loading settle.
    await sandboxed(host);
    await plain();
    for (let run = 0; run < runs; run++) {
      ours.push(await sandboxed(host));
      theirs.push(await plain());
      if ((run + 1) % 10 === 0) console.error(`[bench sandbox] ${run + 1}/${runs}`);
    }
  } finally {
    await host.dispose();
    for (const hierarchy of await cgroupHierarchies(host.layout)) {
      await removeCgroupTree(`${hierarchy}/${config.cgroupParent}`);
    }
  }
  console.log(`\n${runs} runs each, cgroup layout ${host.layout}, times in ms\n`);
  console.log('| ms | nestbox median | bash median | ratio | nestbox p95 | bash p95 | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(
    row(
      'create → first prompt byte',
      ours.map((sample) => sample.firstByteMs),
      theirs.map((sample) => sample.firstByteMs),
    ),
  );
  console.log(
    row(
      'destroy (nestbox) / kill (bash)',
      ours.map((sample) => sample.endMs),
      theirs.map((sample) => sample.endMs),
    ),
  );
  return 0;
}
