/**
 * Who may do what in a workshop: the instructor proves themselves with a token from the
 * configuration (a bearer header or a cookie), and learners with the workshop's join code
 * (typed in, or carried by a `?join=CODE` link, then kept in a cookie). Every comparison is in
 * constant time, so response timing reveals nothing about either secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameSecret } from '../secrets.js';

export const INSTRUCTOR_COOKIE = 'nestbox_instructor';
export const JOIN_COOKIE = 'nestbox_join';
const TWELVE_HOURS_SECONDS = 12 * 3600;

export type InstructorAccess = 'disabled' | 'denied' | 'granted';

export function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      return undefined; // a malformed %-escape: a value no secret of ours was written as
    }
  }
  return undefined;
}

function bearer(request: IncomingMessage): string | undefined {
  const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
  return match?.[1];
}

/** `disabled` without a configured token: then nobody is an instructor. */
export function instructorAccess(
  token: string | undefined,
  request: IncomingMessage,
): InstructorAccess {
  if (token === undefined) return 'disabled';
  const given = bearer(request) ?? readCookie(request, INSTRUCTOR_COOKIE) ?? '';
  return sameSecret(token, given) ? 'granted' : 'denied';
}

/** Remembers a correct instructor token in this browser (HttpOnly: scripts never see it). */
export function setInstructorCookie(response: ServerResponse, token: string): void {
  response.appendHeader(
    'set-cookie',
    `${INSTRUCTOR_COOKIE}=${encodeURIComponent(token)}; Path=/; Max-Age=${TWELVE_HOURS_SECONDS}; HttpOnly; SameSite=Strict`,
  );
}

/** True when no join code is configured, or this browser has shown the right one. */
export function hasJoined(joinCode: string | undefined, request: IncomingMessage): boolean {
  if (joinCode === undefined) return true;
  return sameSecret(joinCode, readCookie(request, JOIN_COOKIE) ?? '');
}

/**
 * Takes a join code (a `?join=CODE` link, or the join form): a right one is kept in a cookie for
 * the length of a workshop day. Returns whether it was right.
 */
export function acceptJoinCode(
  joinCode: string | undefined,
  given: string,
  response: ServerResponse,
): boolean {
  if (joinCode === undefined || !sameSecret(joinCode, given.trim())) return false;
  response.appendHeader(
    'set-cookie',
    `${JOIN_COOKIE}=${encodeURIComponent(joinCode)}; Path=/; Max-Age=${TWELVE_HOURS_SECONDS}; HttpOnly; SameSite=Lax`,
  );
  return true;
}
