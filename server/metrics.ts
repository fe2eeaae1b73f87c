/**
 * Operator metrics in Prometheus text format, served at /metrics. One registry per lab, so two
 * labs in one process (tests) never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface LabMetrics {
  registry: Registry;
  sessionsActive: Gauge;
  sessionsCreated: Counter;
  sessionsRefused: Counter<'reason'>;
  sandboxStartSeconds: Histogram;
  verifyResults: Counter<'result'>;
  websocketConnections: Gauge;
  bytesIn: Counter;
  bytesOut: Counter;
  rejectedConnections: Counter<'reason'>;
}

/** Live values read when Prometheus scrapes, rather than counted up and down. */
export interface MetricSources {
  sessions: () => number;
  connections: () => number;
}

export function createLabMetrics(sources: MetricSources): LabMetrics {
  const registry = new Registry();
  // Unprefixed: process_cpu_seconds_total, process_resident_memory_bytes, nodejs_* are the
  // standard names that Node.js dashboards and alerts query.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sessionsActive: new Gauge({
      name: 'nestbox_sessions_active',
      help: 'Sessions alive now.',
      registers,
      collect() {
        this.set(sources.sessions());
      },
    }),
    sessionsCreated: new Counter({
      name: 'nestbox_sessions_created_total',
      help: 'Sessions created since start.',
      registers,
    }),
    sessionsRefused: new Counter({
      name: 'nestbox_sessions_refused_total',
      help: 'Session requests refused, by reason.',
      labelNames: ['reason'],
      registers,
    }),
    sandboxStartSeconds: new Histogram({
      name: 'nestbox_sandbox_start_seconds',
      help: 'From session request to the first prompt byte of its shell.',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    verifyResults: new Counter({
      name: 'nestbox_verify_total',
      help: 'Step checks, by result.',
      labelNames: ['result'],
      registers,
    }),
    websocketConnections: new Gauge({
      name: 'nestbox_websocket_connections',
      help: 'Terminal WebSocket connections open now.',
      registers,
      collect() {
        this.set(sources.connections());
      },
    }),
    bytesIn: new Counter({
      name: 'nestbox_terminal_bytes_in_total',
      help: 'Bytes of terminal input from learners.',
      registers,
    }),
    bytesOut: new Counter({
      name: 'nestbox_terminal_bytes_out_total',
      help: 'Bytes of terminal output sent to learners.',
      registers,
    }),
    rejectedConnections: new Counter({
      name: 'nestbox_websocket_rejected_total',
      help: 'Terminal connections refused or closed for a protocol reason, by reason.',
      labelNames: ['reason'],
      registers,
    }),
  };
}
