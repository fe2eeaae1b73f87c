/**
 * Anonymous learner identity: a random id in an HttpOnly cookie, so progress follows a browser
 * without accounts. The id is not a secret (it only names a row of progress); sessions have
 * their own tokens.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LEARNER_COOKIE } from './learner-cookie.js';

const ONE_YEAR_SECONDS = 365 * 24 * 3600;
const VALID_ID = /^[\w-]{16,64}$/;

function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * The learner id of this request. A request without a valid one gets a new id: it is set as a
 * cookie on the response and added to the request, so the pages rendered for this very request
 * already see it.
 */
export function learnerOf(request: IncomingMessage, response: ServerResponse): string {
  const existing = readCookie(request, LEARNER_COOKIE);
  if (existing !== undefined && VALID_ID.test(existing)) return existing;
  const id = randomBytes(16).toString('base64url');
  response.appendHeader(
    'set-cookie',
    `${LEARNER_COOKIE}=${id}; Path=/; Max-Age=${ONE_YEAR_SECONDS}; HttpOnly; SameSite=Lax`,
  );
  const others = (request.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !part.startsWith(`${LEARNER_COOKIE}=`));
  request.headers.cookie = [...others, `${LEARNER_COOKIE}=${id}`].join('; ');
  return id;
}
