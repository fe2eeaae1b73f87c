/**
 * One client per wire protocol, each doing what that server's own browser client does with
 * output and flow control, so a slow renderer slows each server the way it would in a browser:
 * - Nestbox: binary frames, an `ack` per frame once rendered (lib/protocol);
 * - plain node-pty + ws: binary frames, no flow control at all;
 * - wetty: socket.io `data` strings, a `commit` per 256 KiB rendered (wetty's FlowControlClient);
 * - shellinabox: HTTP long-poll; the next poll goes out once the last answer is rendered.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
} from '../../lib/protocol/index.js';
import { TermClient, sleep } from './client.js';

const COLS = 80;
const ROWS = 24;

/** Resolves when `ws` has closed (at once if it already has). */
function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => {
      resolve();
    });
  });
}

export interface NestboxSession {
  sessionId: string;
  token: string;
}

/** A browser tab of Nestbox: POST /api/sessions (a new sandbox), then the terminal WebSocket. */
export class NestboxClient extends TermClient {
  private readonly ws: WebSocket;

  private constructor(
    private readonly base: string,
    private readonly session: NestboxSession,
    origin: string,
    /** How long the POST took: sandbox creation until its shell printed. */
    readonly createMs: number,
  ) {
    super();
    const query = `session=${session.sessionId}&token=${session.token}`;
    this.ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/terminal?${query}`, SUBPROTOCOL, {
      origin,
      perMessageDeflate: false,
    });
    this.ws.on('open', () => {
      this.send({
        type: 'hello',
        version: PROTOCOL_VERSION,
        terminal: 1,
        offset: 0,
        cols: COLS,
        rows: ROWS,
      });
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.receive(data, () => {
          this.send({ type: 'ack', bytes: data.length });
        });
        return;
      }
      const decoded = decodeServerMessage(data.toString('utf8'));
      if (!decoded.ok) {
        this.ended(`bad server message: ${decoded.reason}`);
        return;
      }
      const message = decoded.message;
      if (message.type === 'ping') this.send({ type: 'pong', id: message.id });
      else if (message.type === 'exit') this.ended(`the shell exited with ${message.code}`);
      else if (message.type === 'error') this.ended(`${message.code}: ${message.message}`);
    });
    this.ws.on('error', (error) => {
      this.ended(error.message);
    });
    this.ws.on('close', (code) => {
      this.ended(`closed ${code}`);
    });
  }

  static async open(base: string, origin: string): Promise<NestboxClient> {
    const started = performance.now();
    const response = await fetch(`${base}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ scenario: 'hello-sandbox' }),
    });
    const body = (await response.json()) as Partial<NestboxSession> & {
      error?: { message?: string };
    };
    if (response.status !== 201 || !body.sessionId || !body.token) {
      throw new Error(`POST /api/sessions: ${response.status} ${body.error?.message ?? ''}`);
    }
    const session = { sessionId: body.sessionId, token: body.token };
    return new NestboxClient(base, session, origin, performance.now() - started);
  }

  write(keys: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(Buffer.from(keys), { binary: true });
  }

  /** Ends the session as the page's "end" button does: DELETE, which destroys the sandbox. */
  async close(): Promise<void> {
    const response = await fetch(`${this.base}/api/sessions/${this.session.sessionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.session.token}` },
    });
    await response.arrayBuffer();
    this.ws.close();
    await closed(this.ws);
  }

  private send(message: ClientMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage(message));
  }
}

/** The plain node-pty + ws baseline (baseline-server.ts): bytes both ways, nothing else. */
export class PlainWsClient extends TermClient {
  private readonly ws: WebSocket;

  constructor(url: string) {
    super();
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on('message', (data: Buffer) => {
      this.receive(data);
    });
    this.ws.on('error', (error) => {
      this.ended(error.message);
    });
    this.ws.on('close', (code) => {
      this.ended(`closed ${code}`);
    });
  }

  write(keys: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(Buffer.from(keys), { binary: true });
  }

  async close(): Promise<void> {
    this.ws.close();
    await closed(this.ws);
  }
}

/** The part of socket.io-client's Socket this client uses. */
interface IoSocket {
  on(event: string, listener: (...args: unknown[]) => void): IoSocket;
  emit(event: string, ...args: unknown[]): IoSocket;
  disconnect(): IoSocket;
}

type IoConnect = (url: string, options: Record<string, unknown>) => IoSocket;

/** wetty's client acknowledges rendered output in steps of this many characters. */
const WETTY_COMMIT_CHARS = 262_144;

/** wetty over socket.io (its own client library, from the scratch install). */
export class WettyClient extends TermClient {
  private readonly socket: IoSocket;
  private uncommitted = 0;

  constructor(prefix: string, url: string, path: string) {
    super();
    const requireFromPrefix = createRequire(join(prefix, 'package.json'));
    const { io } = requireFromPrefix('socket.io-client') as { io: IoConnect };
    // WebSocket only: a browser starts with polling and upgrades, but measures the same after.
    this.socket = io(url, { path, transports: ['websocket'], forceNew: true, reconnection: false });
    this.socket.on('connect', () => {
      this.socket.emit('resize', { cols: COLS, rows: ROWS });
    });
    this.socket.on('data', (data) => {
      const text = String(data);
      this.receive(Buffer.from(text, 'utf8'), () => {
        // As wetty's FlowControlClient: count characters, commit whole steps.
        this.uncommitted += text.length;
        while (this.uncommitted >= WETTY_COMMIT_CHARS) {
          this.uncommitted -= WETTY_COMMIT_CHARS;
          this.socket.emit('commit', WETTY_COMMIT_CHARS);
        }
      });
    });
    this.socket.on('logout', () => {
      this.ended('logout');
    });
    this.socket.on('disconnect', (reason) => {
      this.ended(`disconnect: ${String(reason)}`);
    });
    this.socket.on('connect_error', (error) => {
      this.ended(`connect_error: ${String(error)}`);
    });
  }

  write(keys: string): void {
    this.socket.emit('input', keys);
  }

  close(): Promise<void> {
    // The server kills the shell when the socket goes away.
    this.socket.disconnect();
    return Promise.resolve();
  }
}

interface ShellinaboxReply {
  session?: string;
  data?: string;
}

/** shellinabox's AJAX protocol (shell_in_a_box.js): form POSTs, keys as hex, JSON answers. */
export class ShellinaboxClient extends TermClient {
  /** Two sockets, as a browser would use: one for the long poll, one for keys. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2 });
  private session: string | undefined;
  private pendingKeys = '';
  private keysInFlight = false;

  constructor(private readonly port: number) {
    super();
    void this.run();
  }

  write(keys: string): void {
    this.pendingKeys += Buffer.from(keys).toString('hex').toUpperCase();
    if (!this.keysInFlight && this.session) this.flushKeys();
  }

  /** shellinabox ends a session when its shell exits, so end the shell. */
  async close(): Promise<void> {
    // A shell still starting, or a command still running, may miss the first `exit`: try again.
    const open = (): boolean => this.closedReason === undefined;
    for (let attempt = 0; attempt < 5 && open(); attempt++) {
      // Ctrl-C first, for a command still running; readline drops a key typed right after it.
      this.write('\x03');
      await sleep(100);
      this.write('exit\r');
      const deadline = performance.now() + 1000;
      while (open() && performance.now() < deadline) await sleep(20);
    }
    this.ended('closed');
    this.agent.destroy();
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const session = this.session ? `&session=${encodeURIComponent(this.session)}` : '';
        const reply = await this.post(`width=${COLS}&height=${ROWS}${session}`);
        if (this.closedReason !== undefined) return;
        if (!reply.session) {
          this.ended('session closed');
          return;
        }
        const first = this.session === undefined;
        this.session = reply.session;
        if (first && this.pendingKeys) this.flushKeys();
        if (reply.data) {
          const rendered = Buffer.from(reply.data, 'utf8');
          await new Promise<void>((resolve) => {
            this.receive(rendered, resolve);
          });
        }
      }
    } catch (error) {
      this.ended(String(error));
    }
  }

  private flushKeys(): void {
    const keys = this.pendingKeys;
    this.pendingKeys = '';
    this.keysInFlight = true;
    const session = encodeURIComponent(this.session ?? '');
    this.post(`width=${COLS}&height=${ROWS}&session=${session}&keys=${keys}`).then(
      () => {
        this.keysInFlight = false;
        if (this.pendingKeys) this.flushKeys();
      },
      (error: unknown) => {
        this.ended(String(error));
      },
    );
  }

  private post(form: string): Promise<ShellinaboxReply> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path: '/',
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
            'content-length': Buffer.byteLength(form),
            'cache-control': 'no-cache',
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) {
              reject(new Error(`shellinabox answered ${response.statusCode ?? '?'}`));
            } else if (!text.startsWith('{')) {
              resolve({}); // the answer to a keys POST is a small HTML page
            } else {
              resolve(JSON.parse(text) as ShellinaboxReply);
            }
          });
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(form);
    });
  }
}
