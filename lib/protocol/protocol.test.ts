import { describe, expect, it } from 'vitest';
import {
  MAX_CONTROL_MESSAGE_LENGTH,
  MAX_TERMINALS,
  PROTOCOL_VERSION,
  TERMINAL_LIMITS,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  type ClientMessage,
  type ServerMessage,
} from './index.js';

describe('client messages', () => {
  const valid: ClientMessage[] = [
    { type: 'hello', version: PROTOCOL_VERSION, terminal: 1, offset: 0, cols: 80, rows: 24 },
    {
      type: 'hello',
      version: PROTOCOL_VERSION,
      terminal: MAX_TERMINALS,
      offset: 12345,
      cols: 1,
      rows: 1,
    },
    { type: 'resize', cols: 120, rows: 40 },
    { type: 'ack', bytes: 65536 },
    { type: 'ping', id: 7 },
    { type: 'pong', id: 7 },
  ];

  it.each(valid)('round-trips %o', (message) => {
    expect(decodeClientMessage(encodeMessage(message))).toEqual({ ok: true, message });
  });

  it('clamps absurd sizes instead of trusting them', () => {
    const decoded = decodeClientMessage(JSON.stringify({ type: 'resize', cols: 1e9, rows: -1 }));
    expect(decoded).toEqual({
      ok: true,
      message: { type: 'resize', cols: TERMINAL_LIMITS.maxCols, rows: TERMINAL_LIMITS.minRows },
    });
    expect(decodeClientMessage('{"type":"resize","cols":80.9,"rows":0.5}')).toEqual({
      ok: true,
      message: { type: 'resize', cols: 80, rows: 1 },
    });
  });

  it.each([
    ['not JSON', '{nope'],
    ['a JSON string', '"resize"'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['an unknown type', '{"type":"shell","cmd":"rm -rf /"}'],
    ['resize without numbers', '{"type":"resize","cols":"80","rows":24}'],
    ['resize with NaN', '{"type":"resize","cols":null,"rows":24}'],
    ['a negative ack', '{"type":"ack","bytes":-5}'],
    ['a fractional ack', '{"type":"ack","bytes":1.5}'],
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
      'an over-long message',
      JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(MAX_CONTROL_MESSAGE_LENGTH) }),
    ],
  ])('rejects %s with a reason', (_label, text) => {
    const decoded = decodeClientMessage(text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).not.toBe('');
  });

  it('never throws, whatever arrives', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = '{}[]":,0123456789.-eE truefalsnlhoypackesizwr\\u\u0000\uffff';
    for (let i = 0; i < 5000; i++) {
      const length = Math.floor(random() * 60);
      let text = '';
      for (let j = 0; j < length; j++)
        text += alphabet.charAt(Math.floor(random() * alphabet.length));
      expect(() => decodeClientMessage(text)).not.toThrow();
      expect(() => decodeServerMessage(text)).not.toThrow();
    }
  });
});

describe('server messages', () => {
  const valid: ServerMessage[] = [
    { type: 'ready', terminal: 2, offset: 1024, lost: 512, expiresAt: 1_800_000_000_000 },
    { type: 'expiry', expiresAt: 1_800_000_000_000 },
    { type: 'exit', code: 130 },
    { type: 'error', code: 'taken-over', message: 'This terminal was opened in another tab.' },
    { type: 'ping', id: 1 },
    { type: 'pong', id: 1 },
  ];

  it.each(valid)('round-trips %o', (message) => {
    expect(decodeServerMessage(encodeMessage(message))).toEqual({ ok: true, message });
  });

  it('rejects unknown error codes and incomplete ready messages', () => {
    expect(decodeServerMessage('{"type":"error","code":"pwned","message":"x"}').ok).toBe(false);
    expect(decodeServerMessage('{"type":"ready","terminal":1,"offset":0}').ok).toBe(false);
  });
});
