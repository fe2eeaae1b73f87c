/**
 * The terminal wire protocol, shared by the browser client and the server gateway.
 *
 * Binary WebSocket frames carry raw pty bytes in both directions (input from the client,
 * output from the server). Text frames carry small JSON control messages. Keeping the two
 * apart means pty bytes are never base64-encoded or JSON-escaped (see design.md §5).
 *
 * A connection goes: client `hello` (which terminal, and how many output bytes it already
 * has) → server `ready` (where the replay starts, and how much was lost) → pty bytes both ways,
 * with `ack`s from the client so the server can pause a flood the browser cannot keep up with.
 *
 * Decoding never throws: a malformed frame yields `{ ok: false }` with a reason the gateway
 * can log before it closes that one connection.
 *
 * Version 3 added the server's `stats`, `viewers` and `broadcast` messages and the
 * `session-reset` error; a version 2 page would drop them as unknown, so it is refused instead.
 */

/** Negotiated as the WebSocket subprotocol so an old client fails loudly, not subtly. */
export const PROTOCOL_VERSION = 3;
export const SUBPROTOCOL = `nestbox.v${PROTOCOL_VERSION}`;

/** Terminal sizes are clamped to these bounds; anything outside is an absurd request. */
export const TERMINAL_LIMITS = {
  minCols: 1,
  maxCols: 1000,
  minRows: 1,
  maxRows: 1000,
} as const;

/** Terminal numbers a client may ask for: 1 is the session's first shell, 2.. are extra tabs. */
export const MAX_TERMINALS = 8;

/** Largest control message accepted, in characters. Control frames are tiny. */
export const MAX_CONTROL_MESSAGE_LENGTH = 1024;

/**
 * Longest instructor broadcast, in characters (code points). With JSON escaping at most
 * doubling it, a broadcast message stays well inside MAX_CONTROL_MESSAGE_LENGTH.
 */
export const MAX_BROADCAST_CHARS = 280;

/** WebSocket close codes the client acts on (4000-4999 are for applications, RFC 6455). */
export const CLOSE_CODES = {
  /** Another tab attached to the same terminal; do not reconnect. */
  takenOver: 4000,
  /** The session or terminal is gone for good (ended, expired, unknown); do not reconnect. */
  sessionEnded: 4004,
  /** The client broke the protocol; do not reconnect with the same behaviour. */
  protocolError: 4002,
} as const;

/** First message on every connection: which terminal, and the output offset already held. */
export interface HelloMessage {
  type: 'hello';
  version: number;
  terminal: number;
  /** Bytes of this terminal's output the client already has (0 on a fresh page). */
  offset: number;
  cols: number;
  rows: number;
}

export interface ResizeMessage {
  type: 'resize';
  cols: number;
  rows: number;
}

/** The client has processed (rendered) this many more output bytes. */
export interface AckMessage {
  type: 'ack';
  bytes: number;
}

/** Either side may ping; the other answers with a pong carrying the same `id`. */
export interface PingMessage {
  type: 'ping';
  id: number;
}

export interface PongMessage {
  type: 'pong';
  id: number;
}

/** Attached. Output bytes that follow start at `offset`; `lost` bytes before it are gone. */
export interface ReadyMessage {
  type: 'ready';
  terminal: number;
  offset: number;
  lost: number;
  /** When the session will end unless extended, as milliseconds since the epoch. */
  expiresAt: number;
}

/** The session's deadline moved (extended by the learner or an instructor). */
export interface ExpiryMessage {
  type: 'expiry';
  expiresAt: number;
}

/**
 * The sandbox's resource usage, about once a second (server/sandbox/stats.ts reads it from the
 * cgroup; the same fields on cgroup v1 and v2). Counters (`cpuUsageNs`, `cpuThrottledNs`,
 * `oomKills`, `pidsLimitHits`) only grow; clients graph their differences between samples.
 */
export interface StatsMessage {
  type: 'stats';
  /** When the sample was read, ms since the epoch. */
  at: number;
  pidsCurrent: number;
  /** null when unlimited. */
  pidsMax: number | null;
  pidsLimitHits: number;
  memoryBytes: number;
  memoryMaxBytes: number | null;
  oomKills: number;
  cpuUsageNs: number;
  cpuThrottledNs: number;
  /** The CPU quota in cores' worth (0.5 is half a core); null when unlimited. */
  cpuQuotaCores: number | null;
}

/** How many instructors are watching this session's terminal (0 when none, any more). */
export interface ViewersMessage {
  type: 'viewers';
  viewers: number;
}

/**
 * A short message from the instructor to every learner's page, shown until dismissed or until
 * `expiresAt`. `id` grows with each broadcast, so a page shows each one once.
 */
export interface BroadcastMessage {
  type: 'broadcast';
  id: number;
  text: string;
  /** When it was sent and when it stops being news, ms since the epoch. */
  at: number;
  expiresAt: number;
}

/** The shell ended; `code` is its exit status (128 + signal when killed by a signal). */
export interface ExitMessage {
  type: 'exit';
  code: number;
}

/** A condition the client should show; `code` is stable and machine-readable. */
export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

export type ErrorCode =
  | 'bad-frame'
  | 'bad-hello'
  | 'session-not-found'
  | 'terminal-limit'
  | 'sandbox-failed'
  | 'session-ended'
  /** An instructor reset the sandbox: the page should start a fresh session at once. */
  | 'session-reset'
  | 'taken-over'
  | 'input-overflow'
  | 'internal';

export type ClientMessage = HelloMessage | ResizeMessage | AckMessage | PingMessage | PongMessage;
export type ServerMessage =
  | ReadyMessage
  | ExpiryMessage
  | StatsMessage
  | ViewersMessage
  | BroadcastMessage
  | ExitMessage
  | ErrorMessage
  | PingMessage
  | PongMessage;

export type DecodeResult<T> = { ok: true; message: T } | { ok: false; reason: string };

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

/** Clamps a requested terminal size to TERMINAL_LIMITS (fractions are truncated). */
export function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  const clamp = (value: number, min: number, max: number) =>
    Math.min(max, Math.max(min, Math.trunc(value)));
  return {
    cols: clamp(cols, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.maxCols),
    rows: clamp(rows, TERMINAL_LIMITS.minRows, TERMINAL_LIMITS.maxRows),
  };
}

function parseObject(text: string): Record<string, unknown> | string {
  if (text.length > MAX_CONTROL_MESSAGE_LENGTH) return 'control message too long';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'control message is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'control message is not a JSON object';
  }
  return value as Record<string, unknown>;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * The text of a broadcast as it will be shown: trimmed, one line, 1 to MAX_BROADCAST_CHARS
 * characters, no control characters (they could reflow the page or hide text). The server checks
 * what the instructor sends with it, and the browser what the server sent.
 */
export function checkBroadcastText(text: unknown): DecodeResult<string> {
  if (typeof text !== 'string') return { ok: false, reason: 'a broadcast needs a text' };
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'a broadcast needs a text' };
  // Counted in code points, as people count them, not UTF-16 units.
  if (Array.from(trimmed).length > MAX_BROADCAST_CHARS) {
    return { ok: false, reason: `a broadcast has at most ${MAX_BROADCAST_CHARS} characters` };
  }
  // Controls (C0, DEL, C1), and the Unicode line and paragraph separators.
  if (/[\p{Cc}\u2028\u2029]/u.test(trimmed)) {
    return { ok: false, reason: 'a broadcast is one line without control characters' };
  }
  return { ok: true, message: trimmed };
}

function decodeBroadcast(object: Record<string, unknown>): DecodeResult<BroadcastMessage> {
  const { id, at, expiresAt } = object;
  if (!isCount(id) || !isCount(at) || !isCount(expiresAt) || expiresAt < at) {
    return { ok: false, reason: 'broadcast needs an id, at and a later expiresAt' };
  }
  const text = checkBroadcastText(object.text);
  if (!text.ok) return text;
  return { ok: true, message: { type: 'broadcast', id, text: text.message, at, expiresAt } };
}

function decodeSize(object: Record<string, unknown>): { cols: number; rows: number } | undefined {
  const { cols, rows } = object;
  return isFiniteNumber(cols) && isFiniteNumber(rows) ? clampSize(cols, rows) : undefined;
}

/** Decodes a text frame sent by the browser. Sizes are clamped, never trusted. */
export function decodeClientMessage(text: string): DecodeResult<ClientMessage> {
  const object = parseObject(text);
  if (typeof object === 'string') return { ok: false, reason: object };
  switch (object.type) {
    case 'hello': {
      const { version, terminal, offset } = object;
      const size = decodeSize(object);
      if (version !== PROTOCOL_VERSION) {
        return { ok: false, reason: `hello needs version ${PROTOCOL_VERSION}` };
      }
      if (!isCount(terminal) || terminal < 1 || terminal > MAX_TERMINALS) {
        return { ok: false, reason: `hello needs a terminal number from 1 to ${MAX_TERMINALS}` };
      }
      if (!isCount(offset)) return { ok: false, reason: 'hello needs a non-negative offset' };
      if (!size) return { ok: false, reason: 'hello needs numeric cols and rows' };
      return { ok: true, message: { type: 'hello', version, terminal, offset, ...size } };
    }
    case 'resize': {
      const size = decodeSize(object);
      if (!size) return { ok: false, reason: 'resize needs numeric cols and rows' };
      return { ok: true, message: { type: 'resize', ...size } };
    }
    case 'ack':
      if (!isCount(object.bytes)) return { ok: false, reason: 'ack needs a byte count' };
      return { ok: true, message: { type: 'ack', bytes: object.bytes } };
    case 'ping':
    case 'pong':
      if (!isCount(object.id)) return { ok: false, reason: `${object.type} needs a numeric id` };
      return { ok: true, message: { type: object.type, id: object.id } };
    default:
      return { ok: false, reason: `unknown control message type ${JSON.stringify(object.type)}` };
  }
}

const ERROR_CODES: readonly ErrorCode[] = [
  'bad-frame',
  'bad-hello',
  'session-not-found',
  'terminal-limit',
  'sandbox-failed',
  'session-ended',
  'session-reset',
  'taken-over',
  'input-overflow',
  'internal',
];

const STATS_COUNTS = [
  'at',
  'pidsCurrent',
  'pidsLimitHits',
  'memoryBytes',
  'oomKills',
  'cpuUsageNs',
  'cpuThrottledNs',
] as const;

function decodeStats(object: Record<string, unknown>): DecodeResult<StatsMessage> {
  for (const key of STATS_COUNTS) {
    if (!isCount(object[key])) return { ok: false, reason: `stats needs a count for ${key}` };
  }
  const optional = (value: unknown, check: (value: unknown) => boolean) =>
    value === null || check(value);
  const positive = (value: unknown) => isFiniteNumber(value) && value > 0;
  if (!optional(object.pidsMax, isCount) || !optional(object.memoryMaxBytes, isCount)) {
    return { ok: false, reason: 'stats needs pidsMax and memoryMaxBytes, a count or null' };
  }
  if (!optional(object.cpuQuotaCores, positive)) {
    return { ok: false, reason: 'stats needs cpuQuotaCores, a positive number or null' };
  }
  const count = (key: (typeof STATS_COUNTS)[number]) => object[key] as number;
  return {
    ok: true,
    message: {
      type: 'stats',
      at: count('at'),
      pidsCurrent: count('pidsCurrent'),
      pidsMax: object.pidsMax as number | null,
      pidsLimitHits: count('pidsLimitHits'),
      memoryBytes: count('memoryBytes'),
      memoryMaxBytes: object.memoryMaxBytes as number | null,
      oomKills: count('oomKills'),
      cpuUsageNs: count('cpuUsageNs'),
      cpuThrottledNs: count('cpuThrottledNs'),
      cpuQuotaCores: object.cpuQuotaCores as number | null,
    },
  };
}

/** Decodes a text frame sent by the server. */
export function decodeServerMessage(text: string): DecodeResult<ServerMessage> {
  const object = parseObject(text);
  if (typeof object === 'string') return { ok: false, reason: object };
  switch (object.type) {
    case 'ready': {
      const { terminal, offset, lost, expiresAt } = object;
      if (!isCount(terminal) || !isCount(offset) || !isCount(lost) || !isCount(expiresAt)) {
        return { ok: false, reason: 'ready needs terminal, offset, lost and expiresAt' };
      }
      return { ok: true, message: { type: 'ready', terminal, offset, lost, expiresAt } };
    }
    case 'expiry':
      if (!isCount(object.expiresAt)) return { ok: false, reason: 'expiry needs expiresAt' };
      return { ok: true, message: { type: 'expiry', expiresAt: object.expiresAt } };
    case 'stats':
      return decodeStats(object);
    case 'viewers':
      if (!isCount(object.viewers)) return { ok: false, reason: 'viewers needs a count' };
      return { ok: true, message: { type: 'viewers', viewers: object.viewers } };
    case 'broadcast':
      return decodeBroadcast(object);
    case 'exit':
      if (!isFiniteNumber(object.code)) return { ok: false, reason: 'exit needs a numeric code' };
      return { ok: true, message: { type: 'exit', code: object.code } };
    case 'error': {
      const { code, message } = object;
      if (!ERROR_CODES.includes(code as ErrorCode) || typeof message !== 'string') {
        return { ok: false, reason: 'error needs a known code and a message' };
      }
      return { ok: true, message: { type: 'error', code: code as ErrorCode, message } };
    }
    case 'ping':
    case 'pong':
      if (!isCount(object.id)) return { ok: false, reason: `${object.type} needs a numeric id` };
      return { ok: true, message: { type: object.type, id: object.id } };
    default:
      return { ok: false, reason: `unknown control message type ${JSON.stringify(object.type)}` };
  }
}
