import { describe, expect, it } from 'vitest';
import {
  MAX_BROADCAST_CHARS,
  MAX_CONTROL_MESSAGE_LENGTH,
  MAX_TERMINALS,
  PROTOCOL_VERSION,
  SUBPROTOCOL,
  TERMINAL_LIMITS,
  checkBroadcastText,
  clampSize,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
} from './index.js';

/** A small deterministic generator, so a failure in the random batches reproduces. */
function generator(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function expectRejected(decoded: { ok: boolean; reason?: string }): void {
  expect(decoded.ok).toBe(false);
  if (!decoded.ok) {
    expect(typeof decoded.reason).toBe('string');
    expect(decoded.reason).not.toBe('');
  }
}

function resize(cols: unknown, rows: unknown): string {
  return JSON.stringify({ type: 'resize', cols, rows });
}

describe('the subprotocol', () => {
  it('names the protocol version, so an old client fails at the handshake', () => {
    expect(SUBPROTOCOL).toBe(`nestbox.v${PROTOCOL_VERSION}`);
  });
});

describe('client messages', () => {
  const valid: ClientMessage[] = [
    { type: 'hello', version: PROTOCOL_VERSION, terminal: 1, offset: 0, cols: 80, rows: 24 },
    {
      type: 'hello',
      version: PROTOCOL_VERSION,
      terminal: MAX_TERMINALS,
      offset: 12345,
      cols: TERMINAL_LIMITS.minCols,
      rows: TERMINAL_LIMITS.minRows,
    },
    { type: 'resize', cols: 120, rows: 40 },
    { type: 'resize', cols: TERMINAL_LIMITS.maxCols, rows: TERMINAL_LIMITS.maxRows },
    { type: 'resize', cols: TERMINAL_LIMITS.minCols, rows: TERMINAL_LIMITS.minRows },
    { type: 'ack', bytes: 0 },
    { type: 'ack', bytes: 65536 },
    { type: 'ping', id: 7 },
    { type: 'pong', id: 7 },
  ];

  it.each(valid)('round-trips %o', (message) => {
    expect(decodeClientMessage(encodeMessage(message))).toEqual({ ok: true, message });
  });

  it('drops fields it does not know instead of passing them on', () => {
    expect(decodeClientMessage('{"type":"resize","cols":80,"rows":24,"extra":"x"}')).toEqual({
      ok: true,
      message: { type: 'resize', cols: 80, rows: 24 },
    });
  });

  it.each([
    ['cols 1e9, rows -1', 1e9, -1, TERMINAL_LIMITS.maxCols, TERMINAL_LIMITS.minRows],
    ['cols -1, rows 1e9', -1, 1e9, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.maxRows],
    ['zero', 0, 0, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.minRows],
    ['fractions below one', 0.5, 0.5, TERMINAL_LIMITS.minCols, TERMINAL_LIMITS.minRows],
    ['fractions (truncated)', 80.9, 24.99, 80, 24],
    ['one past the maximum', TERMINAL_LIMITS.maxCols + 1, TERMINAL_LIMITS.maxRows + 1, 1000, 1000],
    ['the largest double', Number.MAX_VALUE, -Number.MAX_VALUE, 1000, 1],
  ])(
    'clamps an absurd resize (%s) to TERMINAL_LIMITS',
    (_label, cols, rows, wantCols, wantRows) => {
      expect(decodeClientMessage(resize(cols, rows))).toEqual({
        ok: true,
        message: { type: 'resize', cols: wantCols, rows: wantRows },
      });
    },
  );

  it('keeps TERMINAL_LIMITS at the sizes the gateway and its tests rely on', () => {
    expect(TERMINAL_LIMITS).toEqual({ minCols: 1, maxCols: 1000, minRows: 1, maxRows: 1000 });
  });

  it('clamps the size in a hello too', () => {
    const hello = JSON.stringify({
      type: 'hello',
      version: PROTOCOL_VERSION,
      terminal: 1,
      offset: 0,
      cols: 1e9,
      rows: -1,
    });
    expect(decodeClientMessage(hello)).toEqual({
      ok: true,
      message: {
        type: 'hello',
        version: PROTOCOL_VERSION,
        terminal: 1,
        offset: 0,
        cols: TERMINAL_LIMITS.maxCols,
        rows: TERMINAL_LIMITS.minRows,
      },
    });
  });

  it('clampSize keeps every result an integer inside the limits', () => {
    const random = generator(7);
    const samples = [0, -0, 1, -1, 0.5, 1e9, -1e9, 1e308, 3.999, 999.5, 1000.5];
    for (let i = 0; i < 500; i++) samples.push((random() - 0.5) * 10 ** Math.floor(random() * 12));
    for (const cols of samples) {
      const size = clampSize(cols, -cols);
      expect(Number.isInteger(size.cols)).toBe(true);
      expect(Number.isInteger(size.rows)).toBe(true);
      expect(size.cols).toBeGreaterThanOrEqual(TERMINAL_LIMITS.minCols);
      expect(size.cols).toBeLessThanOrEqual(TERMINAL_LIMITS.maxCols);
      expect(size.rows).toBeGreaterThanOrEqual(TERMINAL_LIMITS.minRows);
      expect(size.rows).toBeLessThanOrEqual(TERMINAL_LIMITS.maxRows);
    }
  });

  it.each([
    ['invalid JSON', '{nope'],
    ['an empty frame', ''],
    ['a truncated object', '{"type":"resize","cols":80'],
    ['a JSON string', '"resize"'],
    ['a JSON number', '42'],
    ['true', 'true'],
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['an array holding a valid message', '[{"type":"resize","cols":80,"rows":24}]'],
    ['an object without a type', '{"cols":80,"rows":24}'],
    ['an unknown type', '{"type":"shell","cmd":"rm -rf /"}'],
    ['a server-only type', '{"type":"exit","code":0}'],
    ['a type that is not a string', '{"type":["resize"],"cols":80,"rows":24}'],
    ['a prototype name as the type', '{"type":"__proto__","cols":80,"rows":24}'],
    ['resize without cols', '{"type":"resize","rows":24}'],
    ['resize without rows', '{"type":"resize","cols":80}'],
    ['resize without either', '{"type":"resize"}'],
    ['resize with string cols', '{"type":"resize","cols":"80","rows":24}'],
    ['resize with string rows', '{"type":"resize","cols":80,"rows":"24"}'],
    ['resize with NaN (serialised as null)', resize(Number.NaN, 24)],
    ['resize with Infinity (serialised as null)', resize(80, Number.POSITIVE_INFINITY)],
    ['resize with a NaN literal', '{"type":"resize","cols":NaN,"rows":24}'],
    ['resize with boolean cols', '{"type":"resize","cols":true,"rows":24}'],
    ['resize with nested numbers', '{"type":"resize","cols":[80],"rows":{"n":24}}'],
    ['a negative ack', '{"type":"ack","bytes":-5}'],
    ['a fractional ack', '{"type":"ack","bytes":1.5}'],
    ['an ack past the safe integers', '{"type":"ack","bytes":9007199254740993}'],
    ['an ack without bytes', '{"type":"ack"}'],
    ['a ping with a string id', '{"type":"ping","id":"1"}'],
    [
      'hello of another version',
      `{"type":"hello","version":1,"terminal":1,"offset":0,"cols":80,"rows":24}`,
    ],
    [
      'hello for terminal 0',
      `{"type":"hello","version":${PROTOCOL_VERSION},"terminal":0,"offset":0,"cols":80,"rows":24}`,
    ],
    [
      'hello past the terminal limit',
      `{"type":"hello","version":${PROTOCOL_VERSION},"terminal":${MAX_TERMINALS + 1},"offset":0,"cols":80,"rows":24}`,
    ],
    [
      'hello with a negative offset',
      `{"type":"hello","version":${PROTOCOL_VERSION},"terminal":1,"offset":-1,"cols":80,"rows":24}`,
    ],
    [
      'hello without a size',
      `{"type":"hello","version":${PROTOCOL_VERSION},"terminal":1,"offset":0}`,
    ],
  ])('rejects %s with a reason', (_label, text) => {
    expectRejected(decodeClientMessage(text));
  });

  it('accepts a message of exactly MAX_CONTROL_MESSAGE_LENGTH and rejects one more', () => {
    const frame = (length: number): string => {
      const head = '{"type":"ping","id":1,"pad":"';
      const tail = '"}';
      return head + 'x'.repeat(length - head.length - tail.length) + tail;
    };
    const longest = frame(MAX_CONTROL_MESSAGE_LENGTH);
    expect(longest.length).toBe(MAX_CONTROL_MESSAGE_LENGTH);
    expect(decodeClientMessage(longest)).toEqual({ ok: true, message: { type: 'ping', id: 1 } });
    const tooLong = frame(MAX_CONTROL_MESSAGE_LENGTH + 1);
    expectRejected(decodeClientMessage(tooLong));
    expectRejected(decodeServerMessage(tooLong));
    // Far too long, the length check comes before parsing, so the frame is never parsed.
    expectRejected(decodeClientMessage(resize(80, 24) + ' '.repeat(1_000_000)));
  });

  it('never throws, whatever arrives (random JSON-ish text)', () => {
    const random = generator(42);
    const alphabet = '{}[]":,0123456789.-eE truefalsnlhoypackesizwr\\u\u0000\uffff';
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(random() * 60);
      let text = '';
      for (let j = 0; j < length; j++) {
        text += alphabet.charAt(Math.floor(random() * alphabet.length));
      }
      expect(() => decodeClientMessage(text)).not.toThrow();
      expect(() => decodeServerMessage(text)).not.toThrow();
    }
  });

  it('never throws, whatever arrives (random code units and mutated messages)', () => {
    const random = generator(2024);
    const seeds = [...valid.map(encodeMessage), '{"type":"exit","code":0}'];
    for (let i = 0; i < 3000; i++) {
      let text = '';
      if (i % 2 === 0) {
        const length = Math.floor(random() * 80);
        for (let j = 0; j < length; j++) text += String.fromCharCode(Math.floor(random() * 65536));
      } else {
        const chars = (seeds[i % seeds.length] ?? '').split('');
        for (let edits = 1 + Math.floor(random() * 4); edits > 0; edits--) {
          const at = Math.floor(random() * (chars.length + 1));
          const replacement = String.fromCharCode(32 + Math.floor(random() * 95));
          chars.splice(at, Math.floor(random() * 2), replacement);
        }
        text = chars.join('');
      }
      for (const decode of [decodeClientMessage, decodeServerMessage]) {
        let result: ReturnType<typeof decode> | undefined;
        expect(() => (result = decode(text))).not.toThrow();
        // Whatever the verdict, it is well formed: a message, or a reason.
        if (result?.ok) expect(typeof result.message.type).toBe('string');
        else expect(result?.reason).toEqual(expect.any(String));
      }
    }
  });
});

const STATS = {
  type: 'stats',
  at: 1_800_000_000_000,
  pidsCurrent: 12,
  pidsMax: 256,
  pidsLimitHits: 3,
  memoryBytes: 50_000_000,
  memoryMaxBytes: 268_435_456,
  oomKills: 1,
  cpuUsageNs: 2_500_000_000,
  cpuThrottledNs: 40_000_000,
  cpuQuotaCores: 0.5,
} as const satisfies ServerMessage;

const BROADCAST = {
  type: 'broadcast',
  id: 7,
  text: 'Break until 11:00 — leave your sandbox running.',
  at: 1_800_000_000_000,
  expiresAt: 1_800_000_600_000,
} as const satisfies ServerMessage;

describe('broadcast texts', () => {
  it('are trimmed, and kept up to the limit in characters, not UTF-16 units', () => {
    expect(checkBroadcastText('  hello  ')).toEqual({ ok: true, message: 'hello' });
    const penguins = '🐧'.repeat(MAX_BROADCAST_CHARS);
    expect(checkBroadcastText(penguins)).toEqual({ ok: true, message: penguins });
    expect(checkBroadcastText(`${penguins}x`).ok).toBe(false);
  });

  it('refuse what is not one line of plain text', () => {
    for (const text of [
      undefined,
      42,
      '',
      ' \t ',
      'a\nb',
      'a\rb',
      'a\u0007b',
      'a\u009bb',
      'a\u2028b',
    ]) {
      expect(checkBroadcastText(text).ok).toBe(false);
    }
  });

  it('always fit in one control message, however they escape', () => {
    for (const char of ['"', '\\', '🐧', 'é']) {
      const message = {
        ...BROADCAST,
        id: Number.MAX_SAFE_INTEGER,
        text: char.repeat(MAX_BROADCAST_CHARS),
      };
      const encoded = encodeMessage(message);
      expect(encoded.length).toBeLessThanOrEqual(MAX_CONTROL_MESSAGE_LENGTH);
      expect(decodeServerMessage(encoded)).toEqual({ ok: true, message });
    }
  });
});

describe('server messages', () => {
  const codes: ErrorCode[] = [
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
  const valid: ServerMessage[] = [
    { type: 'ready', terminal: 2, offset: 1024, lost: 512, expiresAt: 1_800_000_000_000 },
    { type: 'expiry', expiresAt: 1_800_000_000_000 },
    STATS,
    { type: 'viewers', viewers: 0 },
    { type: 'viewers', viewers: 2 },
    BROADCAST,
    { ...BROADCAST, text: 'Ünïcødé ✓ 🐧 "quoted" \\ back', expiresAt: BROADCAST.at },
    { ...STATS, pidsMax: null, memoryMaxBytes: null, cpuQuotaCores: null },
    { type: 'exit', code: 0 },
    { type: 'exit', code: 130 },
    { type: 'exit', code: -1 },
    ...codes.map((code): ServerMessage => ({ type: 'error', code, message: `about ${code}` })),
    { type: 'error', code: 'bad-frame', message: '' },
    { type: 'ping', id: 1 },
    { type: 'pong', id: 1 },
  ];

  it.each(valid)('round-trips %o', (message) => {
    expect(decodeServerMessage(encodeMessage(message))).toEqual({ ok: true, message });
  });

  it.each([
    ['an unknown error code', '{"type":"error","code":"pwned","message":"x"}'],
    ['an error code in the wrong case', '{"type":"error","code":"BAD-FRAME","message":"x"}'],
    ['an error without a code', '{"type":"error","message":"x"}'],
    ['an error with a numeric code', '{"type":"error","code":1003,"message":"x"}'],
    ['an error without a message', '{"type":"error","code":"bad-frame"}'],
    ['an error with a non-string message', '{"type":"error","code":"bad-frame","message":{}}'],
    ['an exit without a code', '{"type":"exit"}'],
    ['an exit with a string code', '{"type":"exit","code":"0"}'],
    ['an exit with a NaN code', encodeMessage({ type: 'exit', code: Number.NaN })],
    ['an incomplete ready', '{"type":"ready","terminal":1,"offset":0}'],
    [
      'a ready with a negative offset',
      '{"type":"ready","terminal":1,"offset":-1,"lost":0,"expiresAt":1}',
    ],
    ['an expiry without a time', '{"type":"expiry"}'],
    ['viewers without a count', '{"type":"viewers"}'],
    ['negative viewers', '{"type":"viewers","viewers":-1}'],
    ['stats without a pids count', JSON.stringify({ ...STATS, pidsCurrent: undefined })],
    ['stats with a negative memory', JSON.stringify({ ...STATS, memoryBytes: -1 })],
    ['stats with a fractional pids count', JSON.stringify({ ...STATS, pidsCurrent: 1.5 })],
    ['stats with a string limit', JSON.stringify({ ...STATS, pidsMax: '256' })],
    ['stats with a missing limit', JSON.stringify({ ...STATS, memoryMaxBytes: undefined })],
    ['stats with a zero CPU quota', JSON.stringify({ ...STATS, cpuQuotaCores: 0 })],
    ['stats with a string CPU counter', JSON.stringify({ ...STATS, cpuUsageNs: '1' })],
    ['a broadcast without a text', JSON.stringify({ ...BROADCAST, text: undefined })],
    ['a broadcast of spaces', JSON.stringify({ ...BROADCAST, text: '   ' })],
    ['a broadcast of two lines', JSON.stringify({ ...BROADCAST, text: 'one\ntwo' })],
    ['a broadcast with an escape', JSON.stringify({ ...BROADCAST, text: 'x\u001b[2Jy' })],
    ['a broadcast too long', JSON.stringify({ ...BROADCAST, text: 'x'.repeat(281) })],
    ['a broadcast without an id', JSON.stringify({ ...BROADCAST, id: undefined })],
    ['a broadcast expiring before it was sent', JSON.stringify({ ...BROADCAST, expiresAt: 1 })],
    ['a client-only type', '{"type":"resize","cols":80,"rows":24}'],
    ['an array', '[{"type":"exit","code":0}]'],
    ['invalid JSON', '{"type":"exit",'],
  ])('rejects %s', (_label, text) => {
    expectRejected(decodeServerMessage(text));
  });
});
