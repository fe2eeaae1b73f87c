import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import {
  INSTRUCTOR_COOKIE,
  JOIN_COOKIE,
  acceptJoinCode,
  hasJoined,
  instructorAccess,
  setInstructorCookie,
} from './access.js';

const TOKEN = 'a-long-instructor-secret';

function request(headers: Record<string, string> = {}): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  Object.assign(message.headers, headers);
  return message;
}

function response(): ServerResponse {
  return new ServerResponse(request());
}

function cookies(reply: ServerResponse): string[] {
  const header = reply.getHeader('set-cookie');
  return Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
}

describe('instructor access', () => {
  it('is disabled without a configured token, whatever the request carries', () => {
    expect(instructorAccess(undefined, request())).toBe('disabled');
    expect(instructorAccess(undefined, request({ authorization: `Bearer ${TOKEN}` }))).toBe(
      'disabled',
    );
  });

  it('is denied without a token, with a wrong one, or with a prefix of the right one', () => {
    expect(instructorAccess(TOKEN, request())).toBe('denied');
    expect(instructorAccess(TOKEN, request({ authorization: 'Bearer wrong' }))).toBe('denied');
    expect(
      instructorAccess(TOKEN, request({ authorization: `Bearer ${TOKEN.slice(0, -1)}` })),
    ).toBe('denied');
    expect(instructorAccess(TOKEN, request({ cookie: `${INSTRUCTOR_COOKIE}=${TOKEN}x` }))).toBe(
      'denied',
    );
  });

  it('is denied, not thrown, with a cookie whose %-escapes do not decode', () => {
    expect(instructorAccess(TOKEN, request({ cookie: `${INSTRUCTOR_COOKIE}=%` }))).toBe('denied');
    expect(hasJoined('ROOM-42', request({ cookie: `${JOIN_COOKIE}=%E0%A4%A` }))).toBe(false);
  });

  it('is granted with the right token as a bearer header or as the cookie it set', () => {
    expect(instructorAccess(TOKEN, request({ authorization: `Bearer ${TOKEN}` }))).toBe('granted');
    const reply = response();
    setInstructorCookie(reply, TOKEN);
    const [cookie] = cookies(reply);
    expect(cookie).toMatch(/HttpOnly/);
    const pair = cookie?.split(';')[0] ?? '';
    expect(instructorAccess(TOKEN, request({ cookie: `other=1; ${pair}` }))).toBe('granted');
  });
});

describe('the join code', () => {
  it('is not needed when no code is configured', () => {
    expect(hasJoined(undefined, request())).toBe(true);
    expect(acceptJoinCode(undefined, 'anything', response())).toBe(false);
  });

  it('is required when configured, and a wrong one sets no cookie', () => {
    expect(hasJoined('ROOM-42', request())).toBe(false);
    expect(hasJoined('ROOM-42', request({ cookie: `${JOIN_COOKIE}=ROOM-41` }))).toBe(false);
    const reply = response();
    expect(acceptJoinCode('ROOM-42', 'ROOM-4', reply)).toBe(false);
    expect(cookies(reply)).toEqual([]);
  });

  it('lets a browser in once it showed the right code', () => {
    const reply = response();
    expect(acceptJoinCode('ROOM-42', ' ROOM-42 ', reply)).toBe(true);
    const pair = cookies(reply)[0]?.split(';')[0] ?? '';
    expect(hasJoined('ROOM-42', request({ cookie: pair }))).toBe(true);
  });
});

describe('the configuration', () => {
  it('leaves both unset by default', () => {
    const config = loadConfig({});
    expect(config.instructorToken).toBeUndefined();
    expect(config.joinCode).toBeUndefined();
  });

  it('reads them, and refuses a short token or an odd join code without echoing it', () => {
    const config = loadConfig({ NESTBOX_INSTRUCTOR_TOKEN: TOKEN, NESTBOX_JOIN_CODE: 'ROOM-42' });
    expect(config.instructorToken).toBe(TOKEN);
    expect(config.joinCode).toBe('ROOM-42');
    expect(() => loadConfig({ NESTBOX_INSTRUCTOR_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ NESTBOX_JOIN_CODE: 'a b;c' })).toThrow(
      /NESTBOX_JOIN_CODE is invalid/,
    );
    expect(() => loadConfig({ NESTBOX_JOIN_CODE: 'a b;c' })).not.toThrow(/a b;c/);
  });
});
