/**
 * A scripted browser for the terminal tests: a real `ws` client that says hello, records every
 * frame in order, and acks output as xterm.js would (or holds its acks, like a browser that
 * stopped rendering). Test-only; nothing in the server imports it.
 */
import { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type ServerMessage,
} from '../../lib/protocol/index.js';

/** The hello a browser sends first: this terminal, output from this offset, an 80x24 screen. */
export function helloMessage(terminal = 1, offset = 0): ClientMessage {
  return { type: 'hello', version: PROTOCOL_VERSION, terminal, offset, cols: 80, rows: 24 };
}

/** Polls `probe` until it returns a value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface TestClientOptions {
  port: number;
  session: { id: string; token: string };
  /** Overrides for the query string; `null` leaves the parameter out. */
  id?: string | null;
  token?: string | null;
  /** `null` sends no Origin header at all. */
  origin: string | null;
  /** `null` offers no subprotocol at all. */
  protocol?: string | null;
  terminal?: number;
  offset?: number;
  /** Ack output as it arrives (default); false models a browser that stopped rendering. */
  autoAck?: boolean;
  /** Send the hello on open (default true). */
  hello?: boolean;
}

export type ClientEvent =
  | { kind: 'binary'; data: Buffer }
  | { kind: 'text'; text: string; message: ServerMessage | undefined }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'http'; status: number };

export class TestClient {
  readonly ws: WebSocket;
  readonly events: ClientEvent[] = [];
  private received: Buffer[] = [];
  private unacked = 0;

  constructor(options: TestClientOptions) {
    const id = options.id === undefined ? options.session.id : options.id;
    const token = options.token === undefined ? options.session.token : options.token;
    const query = new URLSearchParams();
    if (id !== null) query.set('session', id);
    if (token !== null) query.set('token', token);
    const url = `ws://127.0.0.1:${options.port}/api/terminal?${query.toString()}`;
    const protocol = options.protocol === undefined ? SUBPROTOCOL : options.protocol;
    const clientOptions = options.origin === null ? {} : { origin: options.origin };
    this.ws =
      protocol === null
        ? new WebSocket(url, clientOptions)
        : new WebSocket(url, protocol, clientOptions);
    this.ws.on('unexpected-response', (_request, response) => {
      this.events.push({ kind: 'http', status: response.statusCode ?? 0 });
      response.resume();
      this.ws.terminate();
    });
    this.ws.on('error', () => undefined);
    this.ws.on('open', () => {
      if (options.hello === false) return;
      this.send(helloMessage(options.terminal, options.offset));
    });
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.events.push({ kind: 'binary', data });
        this.received.push(data);
        if (options.autoAck === false) this.unacked += data.length;
        else this.send({ type: 'ack', bytes: data.length });
        return;
      }
      const text = data.toString('utf8');
      const decoded = decodeServerMessage(text);
      this.events.push({ kind: 'text', text, message: decoded.ok ? decoded.message : undefined });
    });
    this.ws.on('close', (code, reason) => {
      this.events.push({ kind: 'close', code, reason: reason.toString() });
    });
  }

  /** Everything the pty sent, from binary frames only. */
  get bytes(): Buffer {
    if (this.received.length > 1) this.received = [Buffer.concat(this.received)];
    return this.received[0] ?? Buffer.alloc(0);
  }

  /** The output as text, one character per byte, so string offsets are byte offsets. */
  get output(): string {
    return this.bytes.toString('latin1');
  }

  get textFrames(): Extract<ClientEvent, { kind: 'text' }>[] {
    return this.events.filter((event) => event.kind === 'text');
  }

  get messages(): ServerMessage[] {
    return this.textFrames.flatMap((frame) => (frame.message ? [frame.message] : []));
  }

  /** How the connection ended, if it has: a close frame, or an HTTP refusal (code -1). */
  get closed(): { code: number; reason: string } | undefined {
    const end = this.events.find((event) => event.kind === 'close' || event.kind === 'http');
    if (end?.kind === 'http') return { code: -1, reason: 'http' };
    return end?.kind === 'close' ? { code: end.code, reason: end.reason } : undefined;
  }

  get httpStatus(): number | undefined {
    const refusal = this.events.find((event) => event.kind === 'http');
    return refusal?.kind === 'http' ? refusal.status : undefined;
  }

  send(message: ClientMessage): void {
    this.ws.send(encodeMessage(message));
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text), { binary: true });
  }

  /** Acks everything held back (with autoAck false). */
  ackAll(): void {
    this.send({ type: 'ack', bytes: this.unacked });
    this.unacked = 0;
  }

  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray> {
    return waitFor(
      () => pattern.exec(this.output) ?? undefined,
      `output ${String(pattern)}`,
      timeoutMs,
    );
  }

  /** Waits for `pattern` in the output that arrives after this call. */
  waitForNewOutput(pattern: RegExp): Promise<RegExpExecArray> {
    const from = this.output.length;
    return waitFor(
      () => pattern.exec(this.output.slice(from)) ?? undefined,
      `new output ${String(pattern)}`,
    );
  }

  waitForMessage<T extends ServerMessage['type']>(
    type: T,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    return waitFor(
      () =>
        this.messages.find(
          (message): message is Extract<ServerMessage, { type: T }> => message.type === type,
        ),
      `a ${type} message`,
    );
  }

  waitForClose(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, 'the connection to close');
  }

  /** The HTTP status of a refused upgrade. */
  async refusedWith(): Promise<number> {
    const refusal = await waitFor(
      () => this.events.find((event) => event.kind === 'http' || event.kind === 'close'),
      'the upgrade to be answered',
    );
    if (refusal.kind !== 'http') throw new Error(`the upgrade was accepted: ${refusal.kind}`);
    return refusal.status;
  }

  async close(): Promise<void> {
    this.ws.close(1000, 'bye');
    await this.waitForClose();
  }
}
