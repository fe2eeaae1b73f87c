/**
 * HTTP routing for the custom server: our own small JSON API, WebSocket upgrades to the terminal
 * gateway, and everything else to Next.js.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SandboxError } from './sandbox/index.js';
import { sameSecret } from './secrets.js';
import { learnerOf } from './learner.js';
import {
  acceptJoinCode,
  hasJoined,
  instructorAccess,
  setInstructorCookie,
} from './instructor/access.js';
import { roster } from './instructor/roster.js';
import { createShadowServer } from './instructor/shadow.js';
import { refuseUpgrade } from './upgrade-refusal.js';
import { progressCsv, progressRows } from './instructor/export.js';
import {
  broadcastToLearners,
  runInstructorAction,
  type InstructorAction,
  UnknownSessionError,
} from './instructor/actions.js';
import {
  BroadcastRateError,
  BroadcastTextError,
  type Broadcaster,
} from './instructor/broadcast.js';
import type { Registry } from 'prom-client';
import type { Logger } from './log.js';
import type { FailureLimiter } from './rate-limit.js';
import { loadScenario } from './scenarios/catalog.js';
import { runVerify, type VerifyResult } from './scenarios/runtime.js';
import { LessonRuntime } from './scenarios/lesson-runtime.js';
import type { Session } from './sessions/session.js';
import type { Scenario } from '../lib/scenario/index.js';
import type { Store } from './store/index.js';
import { SessionLimitError, type SessionRegistry } from './sessions/registry.js';
import type { TerminalGateway } from './terminal/gateway.js';

export interface RouterDeps {
  registry: SessionRegistry;
  gateway: TerminalGateway;
  scenariosDir: string;
  allowedOrigins: readonly string[];
  store: Store;
  /** Told each check's outcome, for metrics; optional. */
  onVerify?: (passed: boolean) => void;
  /** Served at /metrics: to `token` as a bearer token, or without one only to loopback. */
  metrics: { registry: Registry; token: string | undefined };
  /** NESTBOX_INSTRUCTOR_TOKEN: unset disables /api/instructor/*. */
  instructorToken?: string | undefined;
  /** The instructor's broadcasts; the terminal gateway relays them to learners' pages. */
  broadcaster: Broadcaster;
  /** Workshop mode (NESTBOX_JOIN_CODE): new sessions need this code first. Unset: open. */
  joinCode?: string | undefined;
  /** Failed session/token guesses per client; shared with the terminal gateway. */
  authFailures: FailureLimiter;
  nextRequest: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Next's own upgrades (dev-mode hot reload); undefined in production. */
  nextUpgrade:
    ((request: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>) | undefined;
  logger: Logger;
}

const MAX_BODY_BYTES = 4096;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, such as Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'body-too-large', 'Request body too large.');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'bad-json', 'Request body must be JSON.');
  }
}

/** The request's URL, or undefined for one that Node's parser lets through but WHATWG URL
 *  rejects (`GET //x:99999`): thrown, it would escape every handler. */
function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

export function createRouter(deps: RouterDeps) {
  /** Read-only mirrors of learners' terminals, for the instructor. */
  const shadow = createShadowServer(deps.registry, {
    instructorToken: deps.instructorToken,
    allowedOrigins: deps.allowedOrigins,
    maxBufferedBytes: 4 * 1024 * 1024,
    authFailures: deps.authFailures,
    logger: deps.logger,
  });
  /** Assets, background and foreground scripts of each live session's scenario. */
  const lessons = new LessonRuntime(deps.scenariosDir);
  /**
   * The check running in each session, by session id: one at a time. Each is a `crun exec` on
   * the host holding up to 2 MiB of output for up to 15 s, so parallel requests would start host
   * processes and buffers without end. A request for the same step shares the running one.
   */
  const checksRunning = new Map<string, { step: number; result: Promise<VerifyResult> }>();

  /** Browsers always send Origin on POST: a foreign page must not act for our learners. */
  function checkOrigin(request: IncomingMessage): void {
    const origin = request.headers.origin;
    if (origin !== undefined && !deps.allowedOrigins.includes(origin)) {
      throw new HttpError(403, 'forbidden-origin', 'This origin may not use the lab.');
    }
  }

  /** In workshop mode, only browsers that showed the join code may start or record anything. */
  function requireJoined(request: IncomingMessage): void {
    if (!hasJoined(deps.joinCode, request)) {
      throw new HttpError(
        403,
        'join-code-required',
        'This lab is running a workshop: enter its join code at /join first.',
      );
    }
  }

  /** POST /api/sessions {scenario} -> 201 {sessionId, token}: a fresh sandboxed shell. */
  async function createSession(
    request: IncomingMessage,
    response: ServerResponse,
    learner: string,
  ): Promise<void> {
    checkOrigin(request);
    requireJoined(request);
    const body = await readJsonBody(request);
    const scenario =
      typeof body === 'object' && body !== null && 'scenario' in body ? body.scenario : undefined;
    if (typeof scenario !== 'string') {
      throw new HttpError(400, 'bad-request', 'Body must be {"scenario": "<slug>"}.');
    }
    const found = await loadScenario(deps.scenariosDir, scenario);
    if (!found.ok) throw new HttpError(404, 'scenario-not-found', `No scenario "${scenario}".`);
    const session = await deps.registry.create(
      scenario,
      request.socket.remoteAddress ?? 'unknown',
      learner,
    );
    await prepareLesson(session, found.scenario);
    sendJson(response, 201, {
      sessionId: session.id,
      token: session.token,
      expiresAt: session.expiresAt,
    });
  }

  /**
   * Copies the scenario's assets into a new session and starts the intro's background script.
   * If that fails the session is ended at once: a sandbox without its lesson's files would only
   * fail later and more confusingly. The learner gets the reason and can simply try again.
   */
  async function prepareLesson(session: Session, scenario: Scenario): Promise<void> {
    try {
      await lessons.start(session, scenario);
    } catch (error) {
      deps.logger.error(
        {
          event: 'lesson-setup-failed',
          sessionId: session.id,
          scenario: scenario.slug,
          err: error,
        },
        'preparing the lesson failed; the session is ended',
      );
      await deps.registry.end(session.id);
      const reason = (error instanceof Error ? error.message : String(error)).replace(/\.?$/, '.');
      throw new HttpError(
        500,
        'lesson-setup-failed',
        `The sandbox started, but this lesson could not be set up in it: ${reason} Try again; if it keeps failing, tell the lesson's author.`,
      );
    }
  }

  /** The session named in the path, if the request carries its token as a bearer token. */
  function authorizedSession(request: IncomingMessage, id: string) {
    const client = request.socket.remoteAddress ?? 'unknown';
    if (deps.authFailures.isBlocked(client)) {
      throw new HttpError(429, 'too-many-failures', 'Too many failed attempts; wait a minute.');
    }
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const session = deps.registry.authenticate(id, token);
    if (!session && deps.registry.wasEnded(id)) {
      throw new HttpError(403, 'session-ended', 'This session has ended.');
    }
    if (!session) {
      deps.authFailures.recordFailure(client);
      throw new HttpError(403, 'forbidden', 'Unknown session or wrong token.');
    }
    return session;
  }

  /**
   * GET /api/sessions/:id -> {expiresAt} (does it still exist?); POST /api/sessions/:id/extend
   * -> {expiresAt}; POST /api/sessions/:id/verify {step} -> {passed, hint}; POST
   * /api/sessions/:id/open {page} -> {foreground, pages}; GET /api/sessions/:id/background ->
   * {pages: {N: {state, log}}}; DELETE /api/sessions/:id ends it. Each needs the token as a
   * bearer token.
   */
  async function sessionAction(
    request: IncomingMessage,
    response: ServerResponse,
    id: string,
    action: string | undefined,
  ): Promise<void> {
    const session = authorizedSession(request, id);
    if (action === undefined && request.method === 'GET') {
      sendJson(response, 200, { expiresAt: session.expiresAt });
    } else if (action === 'verify' && request.method === 'POST') {
      await verifyStep(request, response, session);
    } else if (action === 'open' && request.method === 'POST') {
      await openPage(request, response, session);
    } else if (action === 'background' && request.method === 'GET') {
      sendJson(response, 200, { pages: await lessons.states(session) });
    } else if (action === 'extend' && request.method === 'POST') {
      sendJson(response, 200, { expiresAt: session.extend() });
    } else if (action === undefined && request.method === 'DELETE') {
      await deps.registry.end(session.id);
      sendJson(response, 200, { ended: true });
    } else {
      throw new HttpError(
        405,
        'method-not-allowed',
        'Use GET, GET .../background, POST .../extend, .../verify or .../open, or DELETE.',
      );
    }
  }

  /**
   * GET /api/progress?scenario=slug -> {progress}; POST /api/progress {scenario, step} records
   * the step the learner has open (to resume there), {scenario, finished: true} the finish.
   */
  async function progress(
    request: IncomingMessage,
    response: ServerResponse,
    learner: string,
    url: URL,
  ): Promise<void> {
    if (request.method === 'GET') {
      const scenario = url.searchParams.get('scenario') ?? '';
      sendJson(response, 200, { progress: deps.store.progress(learner, scenario) ?? null });
      return;
    }
    if (request.method !== 'POST')
      throw new HttpError(405, 'method-not-allowed', 'Use GET or POST.');
    checkOrigin(request);
    // A workshop's progress is its learners' only: the instructor exports it.
    requireJoined(request);
    const body = await readJsonBody(request);
    const { scenario, step, finished } = (
      typeof body === 'object' && body !== null ? body : {}
    ) as Record<string, unknown>;
    if (typeof scenario !== 'string' || !(await loadScenario(deps.scenariosDir, scenario)).ok) {
      throw new HttpError(404, 'scenario-not-found', 'No such scenario.');
    }
    if (finished === true) {
      sendJson(response, 200, { progress: deps.store.finish(learner, scenario) });
    } else if (Number.isSafeInteger(step) && (step as number) >= 0 && (step as number) <= 100) {
      sendJson(response, 200, { progress: deps.store.openStep(learner, scenario, step as number) });
    } else {
      throw new HttpError(
        400,
        'bad-request',
        'Body must be {"scenario", "step"} or {"scenario", "finished": true}.',
      );
    }
  }

  /** GET /metrics in Prometheus text format, for operators. */
  async function serveMetrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { registry, token } = deps.metrics;
    const given = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const address = request.socket.remoteAddress ?? '';
    const loopback = address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
    const allowed =
      token === undefined ? loopback : given !== undefined && sameSecret(token, given);
    if (!allowed) {
      throw new HttpError(
        403,
        'forbidden',
        token === undefined ? 'Metrics are served to this machine only.' : 'Wrong metrics token.',
      );
    }
    const text = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    response.end(text);
  }

  /**
   * What the lesson routes of a session (verify, open) start with: the origin checked, the one
   * `field` of the JSON body they read, and the session's scenario as it is on disk now.
   */
  async function lessonRequest(
    request: IncomingMessage,
    session: Session,
    field: string,
  ): Promise<{ scenario: Scenario; value: unknown }> {
    checkOrigin(request);
    const body = await readJsonBody(request);
    const value =
      typeof body === 'object' && body !== null && field in body
        ? (body as Record<string, unknown>)[field]
        : undefined;
    const loaded = await loadScenario(deps.scenariosDir, session.scenario);
    if (!loaded.ok) throw new HttpError(404, 'scenario-not-found', 'The scenario is gone.');
    return { scenario: loaded.scenario, value };
  }

  /**
   * POST /api/sessions/:id/verify {step} -> {passed, hint}: runs the step's check in the
   * session's sandbox, and records a pass in the learner's progress.
   */
  async function verifyStep(
    request: IncomingMessage,
    response: ServerResponse,
    session: Session,
  ): Promise<void> {
    const { scenario, value: step } = await lessonRequest(request, session, 'step');
    const page = Number.isSafeInteger(step) ? scenario.steps[(step as number) - 1] : undefined;
    if (page === undefined)
      throw new HttpError(400, 'bad-request', 'Body must be {"step": N}, N from 1.');
    if (page.scripts.verify === undefined) {
      sendJson(response, 200, { passed: true, hint: '' });
      return;
    }
    let check = checksRunning.get(session.id);
    if (check !== undefined && check.step !== step) {
      throw new HttpError(
        429,
        'check-running',
        'A check of another step is still running; try again when it is done.',
      );
    }
    if (check === undefined) {
      const result = runVerify(session, page.scripts.verify, {
        legacyDone: scenario.legacyVerify,
      }).finally(() => checksRunning.delete(session.id));
      check = { step: step as number, result };
      checksRunning.set(session.id, check);
    }
    const result = await check.result;
    deps.onVerify?.(result.passed);
    deps.logger.info(
      {
        event: 'verify',
        sessionId: session.id,
        scenario: session.scenario,
        step,
        passed: result.passed,
      },
      result.passed ? 'step passed' : 'step not passed yet',
    );
    if (result.passed) deps.store.passStep(session.learner, session.scenario, step as number);
    sendJson(response, 200, result);
  }

  /**
   * POST /api/sessions/:id/open {page} -> {foreground, pages}: the learner opened page N (0 the
   * intro, then the steps, then the finish). Starts its background script once per session;
   * `foreground` is the text to type into terminal 1, given the first time only, else null.
   */
  async function openPage(
    request: IncomingMessage,
    response: ServerResponse,
    session: Session,
  ): Promise<void> {
    const { scenario, value: page } = await lessonRequest(request, session, 'page');
    const opened =
      typeof page === 'number' ? await lessons.open(session, scenario, page) : undefined;
    if (opened === undefined) {
      throw new HttpError(400, 'bad-request', 'Body must be {"page": N}, N a page of the lesson.');
    }
    sendJson(response, 200, {
      foreground: opened.foreground ?? null,
      pages: await lessons.states(session),
    });
  }

  /** A `?join=CODE` link: a wrong code counts as a failed guess, as on POST /api/join, and while
   *  a client is refused there its links are ignored, or any URL would be a free guessing oracle. */
  function joinByLink(request: IncomingMessage, response: ServerResponse, code: string): void {
    if (deps.joinCode === undefined) return;
    const from = request.socket.remoteAddress ?? 'unknown';
    if (deps.authFailures.isBlocked(from)) return;
    if (!acceptJoinCode(deps.joinCode, code, response)) deps.authFailures.recordFailure(from);
  }

  /** POST /api/join {code} -> 200 {joined: true}, or 403; wrong codes count as failed guesses. */
  async function join(request: IncomingMessage, response: ServerResponse): Promise<void> {
    checkOrigin(request);
    const from = request.socket.remoteAddress ?? 'unknown';
    if (deps.authFailures.isBlocked(from)) {
      throw new HttpError(429, 'rate-limited', 'Too many failed attempts; wait a minute.');
    }
    const body = await readJsonBody(request);
    const code = typeof body === 'object' && body !== null && 'code' in body ? body.code : '';
    if (deps.joinCode === undefined) {
      throw new HttpError(404, 'no-workshop', 'This lab needs no join code.');
    }
    if (typeof code !== 'string' || !acceptJoinCode(deps.joinCode, code, response)) {
      deps.authFailures.recordFailure(from);
      throw new HttpError(403, 'wrong-join-code', 'That is not the join code of this workshop.');
    }
    sendJson(response, 200, { joined: true });
  }

  /**
   * POST /api/instructor/login {token} -> 200 and an HttpOnly cookie; GET
   * /api/instructor/sessions -> {sessions: RosterEntry[]}; POST
   * /api/instructor/sessions/:id/(extend|reset|end) and POST /api/instructor/broadcast {text}
   * -> {broadcast}, each audited; GET /api/instructor/progress (JSON) and
   * /api/instructor/progress.csv. All but login need the token (cookie
   * or bearer).
   * Disabled (404) without a configured token; wrong tokens count as failed guesses.
   */
  async function instructor(
    request: IncomingMessage,
    response: ServerResponse,
    action: string,
  ): Promise<void> {
    const from = request.socket.remoteAddress ?? 'unknown';
    if (deps.instructorToken === undefined) {
      throw new HttpError(404, 'instructor-disabled', 'Set NESTBOX_INSTRUCTOR_TOKEN to enable it.');
    }
    if (deps.authFailures.isBlocked(from)) {
      throw new HttpError(429, 'rate-limited', 'Too many failed attempts; wait a minute.');
    }
    if (action === 'login' && request.method === 'POST') {
      checkOrigin(request);
      const body = await readJsonBody(request);
      const token = typeof body === 'object' && body !== null && 'token' in body ? body.token : '';
      if (typeof token !== 'string' || !sameSecret(deps.instructorToken, token)) {
        deps.authFailures.recordFailure(from);
        deps.logger.warn({ event: 'instructor-login-failed', from }, 'wrong instructor token');
        throw new HttpError(401, 'wrong-token', 'That is not the instructor token.');
      }
      setInstructorCookie(response, token);
      sendJson(response, 200, { instructor: true });
      return;
    }
    if (instructorAccess(deps.instructorToken, request) !== 'granted') {
      deps.authFailures.recordFailure(from);
      throw new HttpError(401, 'instructor-only', 'Sign in with the instructor token.');
    }
    if (action === 'sessions' && request.method === 'GET') {
      sendJson(response, 200, { sessions: await roster(deps.registry, deps.store) });
      return;
    }
    if (action.startsWith('progress') && request.method === 'GET') {
      const rows = progressRows(deps.store.allProgress());
      if (action === 'progress') {
        sendJson(response, 200, { progress: rows });
        return;
      }
      const csv = progressCsv(rows);
      response.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="nestbox-progress.csv"',
        'content-length': Buffer.byteLength(csv),
        'cache-control': 'no-store',
      });
      response.end(csv);
      return;
    }
    if (action === 'broadcast' && request.method === 'POST') {
      await broadcast(request, response, from);
      return;
    }
    const act = /^sessions\/([\w-]{1,64})\/(extend|reset|end)$/.exec(action);
    if (act?.[1] !== undefined && request.method === 'POST') {
      checkOrigin(request);
      try {
        const kind = act[2] as InstructorAction; // one of them, by the pattern
        sendJson(
          response,
          200,
          await runInstructorAction(deps.registry, deps.store, kind, act[1], from),
        );
        deps.logger.info(
          { event: 'instructor-action', action: kind, sessionId: act[1], from },
          `instructor action: ${kind}`,
        );
      } catch (error) {
        if (error instanceof UnknownSessionError) {
          throw new HttpError(404, 'session-not-found', error.message);
        }
        throw error;
      }
      return;
    }
    throw new HttpError(404, 'not-found', 'No such instructor API.');
  }

  /** POST /api/instructor/broadcast {text}: 400 for a bad text, 429 when sent too often. */
  async function broadcast(
    request: IncomingMessage,
    response: ServerResponse,
    from: string,
  ): Promise<void> {
    checkOrigin(request);
    const body = await readJsonBody(request);
    const text = typeof body === 'object' && body !== null && 'text' in body ? body.text : '';
    try {
      const sent = broadcastToLearners(deps.broadcaster, deps.registry, deps.store, text, from);
      deps.logger.info(
        {
          event: 'instructor-action',
          action: 'broadcast',
          id: sent.id,
          length: sent.text.length,
          from,
        },
        'instructor action: broadcast',
      );
      sendJson(response, 200, { broadcast: sent });
    } catch (error) {
      if (error instanceof BroadcastTextError) {
        throw new HttpError(400, 'bad-broadcast', error.message);
      }
      if (error instanceof BroadcastRateError) {
        throw new HttpError(429, 'too-many-broadcasts', error.message, {
          'retry-after': String(Math.ceil(error.retryAfterMs / 1000)),
        });
      }
      throw error;
    }
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = requestUrl(request);
    if (!url) {
      sendJson(response, 400, {
        error: { code: 'bad-url', message: 'That URL cannot be parsed.' },
      });
      return;
    }
    const { pathname } = url;
    try {
      const learner = learnerOf(request, response);
      // A workshop link (`/?join=CODE`) lets its learners in without typing the code.
      const joinLink = url.searchParams.get('join');
      if (joinLink !== null) joinByLink(request, response, joinLink);
      if (pathname === '/api/join') {
        if (request.method !== 'POST') throw new HttpError(405, 'method-not-allowed', 'Use POST.');
        await join(request, response);
        return;
      }
      if (pathname === '/api/sessions') {
        if (request.method !== 'POST') throw new HttpError(405, 'method-not-allowed', 'Use POST.');
        await createSession(request, response, learner);
        return;
      }
      const instructorPath =
        /^\/api\/instructor\/(login|broadcast|progress(?:\.csv)?|sessions(?:\/[\w-]{1,64}\/(?:extend|reset|end))?)$/.exec(
          pathname,
        );
      if (instructorPath?.[1] !== undefined) {
        await instructor(request, response, instructorPath[1]);
        return;
      }
      if (pathname === '/metrics' && request.method === 'GET') {
        await serveMetrics(request, response);
        return;
      }
      if (pathname === '/api/progress') {
        await progress(request, response, learner, url);
        return;
      }
      const sessionPath =
        /^\/api\/sessions\/([\w-]{1,64})(?:\/(extend|verify|open|background))?$/.exec(pathname);
      if (sessionPath?.[1] !== undefined) {
        await sessionAction(request, response, sessionPath[1], sessionPath[2]);
        return;
      }
      await deps.nextRequest(request, response);
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(
          response,
          error.status,
          { error: { code: error.code, message: error.message } },
          error.headers,
        );
      } else if (
        error instanceof SessionLimitError ||
        (error instanceof SandboxError && error.code === 'capacity')
      ) {
        sendJson(response, 429, { error: { code: 'too-many-sessions', message: error.message } });
      } else if (error instanceof SandboxError) {
        deps.logger.error(
          { event: 'sandbox-failed', code: error.code, err: error },
          'a sandbox failed',
        );
        sendJson(response, 503, { error: { code: 'sandbox-failed', message: error.message } });
      } else {
        deps.logger.error(
          { event: 'request-failed', method: request.method, path: pathname, err: error },
          'a request failed',
        );
        if (!response.headersSent) {
          sendJson(response, 500, {
            error: {
              code: 'internal',
              message: 'Something went wrong on the server; it is logged.',
            },
          });
        } else {
          response.destroy();
        }
      }
    }
  }

  function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined); // a client vanishing mid-handshake is not our problem
    const pathname = requestUrl(request)?.pathname;
    if (pathname === undefined) {
      refuseUpgrade(socket, 400, 'That URL cannot be parsed');
    } else if (pathname === '/api/terminal') {
      deps.gateway.handleUpgrade(request, socket, head);
    } else if (pathname === '/api/instructor/shadow') {
      shadow.handleUpgrade(request, socket, head);
    } else if (deps.nextUpgrade) {
      void deps.nextUpgrade(request, socket, head);
    } else {
      socket.destroy();
    }
  }

  return { handleRequest, handleUpgrade };
}
