/**
 * The terminal wire protocol, shared by the browser client and the server gateway.
 *
 * Binary WebSocket frames carry raw pty bytes in both directions (input from the client,
 * output from the server). Text frames carry small JSON control messages. Keeping the two
 * apart means pty bytes are never base64-encoded or JSON-escaped (see design.md §5).
 *
 * Decoding never throws: a malformed frame yields `{ ok: false }` with a reason the gateway
 * can log before it closes that one connection.
 */

/** Negotiated as the WebSocket subprotocol so an old client fails loudly, not subtly. */
export const PROTOCOL_VERSION = 1;
export const SUBPROTOCOL = `nestbox.v${PROTOCOL_VERSION}`;

/** Terminal sizes are clamped to these bounds; anything outside is an absurd request. */
export const TERMINAL_LIMITS = {
  minCols: 1,
  maxCols: 1000,
  minRows: 1,
  maxRows: 500,
} as const;

/** Largest control message the server accepts, in characters. Control frames are tiny. */
export const MAX_CONTROL_MESSAGE_LENGTH = 1024;

export interface ResizeMessage {
  type: 'resize';
  cols: number;
  rows: number;
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
  'bad-frame' | 'session-not-found' | 'sandbox-failed' | 'session-ended' | 'internal';

export type ClientMessage = ResizeMessage;
export type ServerMessage = ExitMessage | ErrorMessage;

export type DecodeResult<T> = { ok: true; message: T } | { ok: false; reason: string };

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return JSON.stringify(message);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
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

/** Decodes a text frame sent by the browser. Sizes are clamped, never trusted. */
export function decodeClientMessage(text: string): DecodeResult<ClientMessage> {
  const object = parseObject(text);
  if (typeof object === 'string') return { ok: false, reason: object };
  switch (object.type) {
    case 'resize': {
      const { cols, rows } = object;
      if (!isFiniteNumber(cols) || !isFiniteNumber(rows)) {
        return { ok: false, reason: 'resize needs numeric cols and rows' };
      }
      return {
        ok: true,
        message: {
          type: 'resize',
          cols: clamp(cols, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.maxCols),
          rows: clamp(rows, TERMINAL_LIMITS.minRows, TERMINAL_LIMITS.maxRows),
        },
      };
    }
    default:
      return { ok: false, reason: `unknown control message type ${JSON.stringify(object.type)}` };
  }
}

const ERROR_CODES: readonly ErrorCode[] = [
  'bad-frame',
  'session-not-found',
  'sandbox-failed',
  'session-ended',
  'internal',
];

/** Decodes a text frame sent by the server. */
export function decodeServerMessage(text: string): DecodeResult<ServerMessage> {
  const object = parseObject(text);
  if (typeof object === 'string') return { ok: false, reason: object };
  switch (object.type) {
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
    default:
      return { ok: false, reason: `unknown control message type ${JSON.stringify(object.type)}` };
  }
}
