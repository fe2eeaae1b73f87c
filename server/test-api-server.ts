/**
 * The session HTTP API on a real server for integration tests: sandbox host, session registry,
 * terminal gateway and router wired as the lab wires them, with Next.js replaced by a plain 404
 * and the server on a free port. Each test file passes its own config (run directory, cgroup,
 * uid range) and the limits it tests.
 */
import { createServer } from 'node:http';
import type { Config } from './config.js';
import { createRouter } from './http.js';
import { Broadcaster } from './instructor/broadcast.js';
import { silentLogger } from './log.js';
import { createLabMetrics, type LabMetrics } from './metrics.js';
import { FailureLimiter } from './rate-limit.js';
import { openSandboxHost } from './sandbox/index.js';
import { SessionRegistry, type RegistryConfig } from './sessions/registry.js';
import { openStore } from './store/index.js';
import { createTerminalGateway } from './terminal/gateway.js';
import { AUTH_FAILURE_DEFAULTS, TRANSPORT_DEFAULTS } from './terminal/defaults.js';

export interface TestApiOptions {
  config: Config;
  scenariosDir: string;
  /** The one Origin the API and the gateway accept. */
  origin: string;
  maxSandboxes: number;
  sessions: RegistryConfig;
  helloTimeoutMs?: number;
}

export interface TestApi {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  registry: SessionRegistry;
  metrics: LabMetrics;
  /** Ends every session, then the gateway, the host and the server. */
  dispose(): Promise<void>;
}

export async function startTestApi(options: TestApiOptions): Promise<TestApi> {
  const { config, origin } = options;
  const host = await openSandboxHost({ ...config, maxSandboxes: options.maxSandboxes });
  const registry = new SessionRegistry(host, options.sessions);
  const authFailures = new FailureLimiter(AUTH_FAILURE_DEFAULTS);
  const metrics = createLabMetrics({
    sessions: () => registry.size,
    connections: () => gateway.connections,
  });
  const gateway = createTerminalGateway(registry, {
    ...TRANSPORT_DEFAULTS,
    authFailures,
    allowedOrigins: [origin],
    ...(options.helloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.helloTimeoutMs }),
    logger: silentLogger(),
  });
  const router = createRouter({
    registry,
    gateway,
    scenariosDir: options.scenariosDir,
    allowedOrigins: [origin],
    store: openStore(':memory:'),
    broadcaster: new Broadcaster(),
    metrics: { registry: metrics.registry, token: 'metrics-secret' },
    authFailures,
    nextRequest: (_request, response) => {
      response.writeHead(404).end();
      return Promise.resolve();
    },
    nextUpgrade: undefined,
    logger: silentLogger(),
  });
  const server = createServer((request, response) => {
    void router.handleRequest(request, response);
  });
  server.on('upgrade', router.handleUpgrade);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    base: `http://127.0.0.1:${port}`,
    registry,
    metrics,
    async dispose() {
      await gateway.dispose();
      await registry.dispose();
      await host.dispose();
      server.close();
    },
  };
}
