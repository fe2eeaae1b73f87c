/**
 * /metrics and the server log of the real lab (startLab, API only) after real traffic: a session
 * created over HTTP, a terminal WebSocket with typed input, a refused WebSocket and a failed
 * check. Every metric issue 9 names must be there and must have counted what happened, and the
 * log must have one JSON line per event, with no secret in any of them.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SUBPROTOCOL } from '../lib/protocol/index.js';
import { TestClient } from './terminal/test-client.js';
import { labForThisFile } from './test-lab.js';
import { collectingLogger } from './test-log.js';

const ORIGIN = 'http://metrics.nestbox.test';
const METRICS_TOKEN = 'metrics-token-for-tests';
const { logger, lines } = collectingLogger();
const { lab } = labForThisFile(
  {
    NESTBOX_RUN_DIR: '/run/nestbox-it-metrics',
    NESTBOX_CGROUP_PARENT: 'nestbox-it-metrics',
    NESTBOX_ID_BASE: '1450000000',
    NESTBOX_ALLOWED_ORIGINS: ORIGIN,
    NESTBOX_METRICS_TOKEN: METRICS_TOKEN,
  },
  logger,
);

/** The value of one sample line (`name{labels} value`) of Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics after real traffic', () => {
  it('counts sessions, start latency, checks, connections, bytes and refusals', async () => {
    const created = await fetch(`${lab().url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ scenario: 'hello-sandbox' }),
    });
    expect(created.status).toBe(201);
    const { sessionId, token } = (await created.json()) as { sessionId: string; token: string };
    const terminal = new TestClient({
      port: Number(new URL(lab().url).port),
      session: { id: sessionId, token },
      origin: ORIGIN,
    });
    await terminal.waitForMessage('ready');
    terminal.type('echo counted-$((6*7))\r');
    await terminal.waitForOutput(/counted-42/);

    const foreign = new WebSocket(
      `${lab().url.replace('http', 'ws')}/api/terminal?session=${sessionId}&token=${token}`,
      SUBPROTOCOL,
      { origin: 'http://evil.test' },
    );
    foreign.on('error', () => undefined);
    const refusal = await new Promise<number>((resolve) => {
      foreign.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
      });
    });
    expect(refusal).toBe(403);

    // Step 2 wants a note that is not written yet: the check fails.
    const verify = await fetch(`${lab().url}/api/sessions/${sessionId}/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, origin: ORIGIN },
      body: JSON.stringify({ step: 2 }),
    });
    expect(((await verify.json()) as { passed: boolean }).passed).toBe(false);

    expect((await fetch(`${lab().url}/metrics`)).status).toBe(403);
    const scrape = await fetch(`${lab().url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await scrape.text();
    expect(sample(text, 'nestbox_sessions_active')).toBe(1);
    expect(sample(text, 'nestbox_sessions_created_total')).toBe(1);
    expect(text).toMatch(/^# TYPE nestbox_sandbox_start_seconds histogram$/m);
    expect(sample(text, 'nestbox_sandbox_start_seconds_count')).toBe(1);
    expect(sample(text, 'nestbox_sandbox_start_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'nestbox_sandbox_start_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(sample(text, 'nestbox_verify_total{result="fail"}')).toBe(1);
    expect(sample(text, 'nestbox_websocket_connections')).toBe(1);
    expect(sample(text, 'nestbox_terminal_bytes_in_total')).toBeGreaterThanOrEqual(
      'echo counted-$((6*7))\r'.length,
    );
    expect(sample(text, 'nestbox_terminal_bytes_out_total')).toBeGreaterThan(0);
    expect(sample(text, 'nestbox_websocket_rejected_total{reason="origin"}')).toBe(1);
    // The default process metrics, under their standard names (no prefix doubled onto them).
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
    expect(text).not.toMatch(/^nestbox_process_/m);

    await terminal.close();
    await fetch(`${lab().url}/api/sessions/${sessionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    await expect
      .poll(() => lines.some((line) => line.event === 'session-ended'), { timeout: 10_000 })
      .toBe(true);

    // The same story in the log, one JSON line per event, and never the session's token.
    const events = lines.map((line) => line.event);
    for (const event of ['session-created', 'ws-connect', 'ws-reject', 'verify', 'ws-close']) {
      expect(events).toContain(event);
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'ws-reject', reason: 'origin', level: 'warn' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'verify', sessionId, step: 2, passed: false }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'session-ended', sessionId, reason: 'ended' }),
    );
    expect(JSON.stringify(lines)).not.toContain(token);
  });
});
