/**
 * The servers under test, each started as its own process group on 127.0.0.1 and stopped by
 * the pid it was given: Nestbox (real sandboxes), the plain node-pty + ws baseline, wetty (npm,
 * installed into a scratch prefix outside the repository) and shellinabox (Debian package).
 * A peer that cannot be installed or started is reported as unavailable, with the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep, type TermClient } from './client.js';
import { NestboxClient, PlainWsClient, ShellinaboxClient, WettyClient } from './transports.js';

export type PeerName = 'nestbox' | 'baseline' | 'wetty' | 'shellinabox';

export const PEER_LABELS: Record<PeerName, string> = {
  nestbox: 'Nestbox',
  baseline: 'node-pty+ws',
  wetty: 'wetty',
  shellinabox: 'shellinabox',
};

export interface Peer {
  readonly name: PeerName;
  /** The server's main process, whose tree is measured. */
  readonly pid: number;
  /** A new terminal with a fresh shell (for Nestbox, a new session and sandbox). */
  connect(): Promise<TermClient>;
  /** Asks a garbage-collected server for a full collection, before a memory sample. */
  collectGarbage(): void;
  stop(): Promise<void>;
}

export interface PeerOptions {
  /** Sessions the benchmark may hold at once; Nestbox's caps are raised to fit. */
  maxSessions: number;
  log: (message: string) => void;
}

/** A peer that could not be installed or started; the message says why. */
export class PeerUnavailableError extends Error {
  override readonly name = 'PeerUnavailableError';
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
/** wetty is installed here at bench time, never into the project's package.json. */
const PEERS_PREFIX = '/tmp/nestbox-bench-peers';
const WETTY_MAIN = `${PEERS_PREFIX}/node_modules/wetty/build/main.js`;

/** Servers still running, by process group: see the 'exit' handler below. */
const live = new Set<number>();

// If the benchmark dies without stopping a server (an uncaught error, a second Ctrl-C), take its
// process group with it rather than leave it listening. Only exit handlers that run synchronously
// can do this; a Nestbox killed so leaves sandboxes that its next start reaps.
process.on('exit', () => {
  for (const group of live) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A child process whose last output lines are kept, to explain a failure to start. */
class Server {
  private output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    const group = child.pid;
    if (group !== undefined) live.add(group);
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        if (group !== undefined) live.delete(group);
        resolve(code);
      });
      child.once('error', () => {
        resolve(null);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get log(): string {
    return this.output.trim();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM to the server itself (Nestbox then destroys its sandboxes); SIGKILL to the group
   *  if it is still there after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running || !this.child.pid) return;
    this.child.kill('SIGTERM');
    // A timer left running would keep the benchmark alive (and the machine's lock held) for
    // the whole grace period after the last figure.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, graceMs);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
      await this.exited;
    }
  }
}

function launch(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Server {
  // Its own process group, so a stuck server can be killed with all it started, and only that.
  return new Server(
    spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/** Waits for the {"port": N, ...} line a bench server prints once it listens. */
async function announced(server: Server, timeoutMs: number): Promise<Record<string, unknown>> {
  const stdout = server.child.stdout;
  if (!stdout) throw new PeerUnavailableError('no stdout');
  const line = new Promise<Record<string, unknown>>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = /^\{.*"port".*\}$/m.exec(text);
      if (match) {
        stdout.off('data', onData);
        resolve(JSON.parse(match[0]) as Record<string, unknown>);
      }
    };
    stdout.on('data', onData);
  });
  const result = await Promise.race([line, server.exited, sleep(timeoutMs).then(() => 'timeout')]);
  if (typeof result === 'object' && result !== null) return result;
  throw new PeerUnavailableError(`did not start (${String(result)}): ${server.log}`);
}

/** Waits until something answers HTTP on the port, or the server exits. */
async function listening(server: Server, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!server.running) throw new PeerUnavailableError(`exited at start: ${server.log}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new PeerUnavailableError(`not listening after ${timeoutMs} ms: ${server.log}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

/** Runs a command to completion; resolves with its exit code and the tail of its output. */
function run(command: string, args: string[], cwd: string): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const keep = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (error) => {
      resolve({ code: -1, log: error.message });
    });
    child.once('exit', (code) => {
      resolve({ code: code ?? -1, log: log.trim() });
    });
  });
}

/**
 * Preloaded into every Node server under test: a full GC on SIGUSR2. Without it, an idle Node
 * server's RSS says more about when V8 last collected than about what a session keeps alive.
 */
const NODE_FLAGS = [
  '--expose-gc',
  '--import',
  `data:text/javascript,${encodeURIComponent("process.on('SIGUSR2', () => globalThis.gc?.())")}`,
];

function nodeScript(file: string): [string, string[]] {
  return [process.execPath, [...NODE_FLAGS, '--import', 'tsx', `${HERE}${file}`]];
}

function wrap(name: PeerName, server: Server, connect: () => Promise<TermClient>): Peer {
  return {
    name,
    pid: server.pid,
    connect,
    collectGarbage() {
      if (name !== 'shellinabox' && server.running) server.child.kill('SIGUSR2'); // C: no GC
    },
    // Nestbox needs time to destroy every sandbox; the others only have shells to hang up.
    stop: () => server.stop(name === 'nestbox' ? 120_000 : 5000),
  };
}

async function startNestbox(options: PeerOptions): Promise<Peer> {
  const cap = String(options.maxSessions + 10);
  const [command, args] = nodeScript('nestbox-server.ts');
  const server = launch(command, args, {
    ...process.env,
    NESTBOX_MAX_SESSIONS: cap,
    NESTBOX_MAX_SESSIONS_PER_CLIENT: cap,
    // Small but enough for a shell pipeline: many sandboxes must not add up to many pids.
    NESTBOX_PIDS_LIMIT: '64',
  });
  try {
    const ready = await announced(server, 60_000);
    const base = `http://127.0.0.1:${String(ready.port)}`;
    const origin = String(ready.origin);
    return wrap('nestbox', server, () => NestboxClient.open(base, origin));
  } catch (error) {
    await server.stop(120_000);
    throw error;
  }
}

async function startBaseline(): Promise<Peer> {
  const [command, args] = nodeScript('baseline-server.ts');
  const server = launch(command, args);
  try {
    const { port } = await announced(server, 30_000);
    const url = `ws://127.0.0.1:${String(port)}/`;
    return wrap('baseline', server, () => Promise.resolve(new PlainWsClient(url)));
  } catch (error) {
    await server.stop(5000);
    throw error;
  }
}

async function ensureWetty(log: (message: string) => void): Promise<void> {
  if (existsSync(WETTY_MAIN) && existsSync(`${PEERS_PREFIX}/node_modules/socket.io-client`)) {
    return;
  }
  log(`installing wetty into ${PEERS_PREFIX} (npm)...`);
  const result = await run(
    'npm',
    ['install', '--prefix', PEERS_PREFIX, '--no-audit', '--no-fund', 'wetty', 'socket.io-client'],
    '/tmp',
  );
  if (result.code !== 0 || !existsSync(WETTY_MAIN)) {
    throw new PeerUnavailableError(`npm install wetty failed: ${result.log}`);
  }
}

async function startWetty(options: PeerOptions): Promise<Peer> {
  await ensureWetty(options.log);
  const port = await freePort();
  const base = '/wetty';
  const server = launch(
    process.execPath,
    [
      ...NODE_FLAGS,
      WETTY_MAIN,
      ...['--host', '127.0.0.1', '--port', String(port), '--base', base],
      ...['--command', 'bash', '--log-level', 'warn'],
    ],
    { ...process.env, HOME: homedir() },
  );
  try {
    await listening(server, port, 30_000);
    const url = `http://127.0.0.1:${port}`;
    return wrap('wetty', server, () =>
      Promise.resolve(new WettyClient(PEERS_PREFIX, url, `${base}/socket.io`)),
    );
  } catch (error) {
    await server.stop(5000);
    throw error;
  }
}

async function ensureShellinabox(log: (message: string) => void): Promise<string> {
  const path = '/usr/bin/shellinaboxd';
  if (existsSync(path)) return path;
  log('installing shellinabox (apt-get)...');
  let result = await run('apt-get', ['install', '-y', 'shellinabox'], '/');
  if (result.code !== 0) {
    await run('apt-get', ['update'], '/');
    result = await run('apt-get', ['install', '-y', 'shellinabox'], '/');
  }
  if (result.code !== 0 || !existsSync(path)) {
    throw new PeerUnavailableError(`apt-get install shellinabox failed: ${result.log}`);
  }
  return path;
}

async function startShellinabox(options: PeerOptions): Promise<Peer> {
  const binary = await ensureShellinabox(options.log);
  const port = await freePort();
  const server = launch(binary, [
    ...['--disable-ssl', '--localhost-only', '--disable-utmp-logging', '--quiet'],
    ...['--port', String(port), `--service=/:root:root:${homedir()}:/bin/bash`],
  ]);
  try {
    await listening(server, port, 30_000);
    return wrap('shellinabox', server, () => Promise.resolve(new ShellinaboxClient(port)));
  } catch (error) {
    await server.stop(5000);
    throw error;
  }
}

export const PEER_STARTERS: Record<PeerName, (options: PeerOptions) => Promise<Peer>> = {
  nestbox: startNestbox,
  baseline: startBaseline,
  wetty: startWetty,
  shellinabox: startShellinabox,
};
