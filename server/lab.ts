/**
 * Assembles the running lab: sandbox host, session registry, terminal gateway, Next.js and the
 * HTTP server. Everything it opens is closed by the `close` it returns.
 */
import { createServer } from 'node:http';
import next from 'next';
import type { Config } from './config.js';
import { createRouter } from './http.js';
import { FailureLimiter } from './rate-limit.js';
import { openSandboxHost, type CgroupLayout } from './sandbox/index.js';
import { SessionRegistry } from './sessions/registry.js';
import { sharedStore } from './store/shared.js';
import { AUTH_FAILURE_DEFAULTS, TRANSPORT_DEFAULTS } from './terminal/defaults.js';
import { createTerminalGateway } from './terminal/gateway.js';

export interface Lab {
  url: string;
  layout: CgroupLayout;
  close(): Promise<void>;
}

export interface LabOptions {
  dev: boolean;
  /** The project root, where next.config.ts and app/ live. */
  projectDir: string;
  log: (message: string, error?: unknown) => void;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

export async function startLab(config: Config, options: LabOptions): Promise<Lab> {
  const host = await openSandboxHost({ ...config, maxSandboxes: config.maxSessions });
  if (host.reaped.length > 0) {
    options.log(
      `reaped ${host.reaped.length} sandbox(es) a previous run left: ${host.reaped.join(' ')}`,
    );
  }
  const registry = new SessionRegistry(host, {
    ...config.sessions,
    maxSessions: config.maxSessions,
    maxSessionsPerClient: config.sessions.maxPerClient,
    sweepIntervalMs: 1000,
    startTimeoutMs: 10_000,
  });
  // One budget of failed guesses per client, whether it guesses over HTTP or WebSocket.
  const authFailures = new FailureLimiter(AUTH_FAILURE_DEFAULTS);
  const gateway = createTerminalGateway(registry, {
    ...TRANSPORT_DEFAULTS,
    authFailures,
    allowedOrigins: config.allowedOrigins,
    log: (message) => {
      options.log(message);
    },
  });

  const nextApp = next({
    dev: options.dev,
    dir: options.projectDir,
    hostname: config.host,
    port: config.port,
    quiet: !options.dev,
  });
  await nextApp.prepare();
  const router = createRouter({
    registry,
    gateway,
    scenariosDir: config.scenariosDir,
    allowedOrigins: config.allowedOrigins,
    store: sharedStore(),
    authFailures,
    nextRequest: nextApp.getRequestHandler(),
    nextUpgrade: options.dev ? nextApp.getUpgradeHandler() : undefined,
    log: options.log,
  });

  const server = createServer((request, response) => {
    void router.handleRequest(request, response);
  });
  server.on('upgrade', router.handleUpgrade);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await Promise.allSettled([
      gateway.dispose(),
      registry.dispose(),
      host.dispose(),
      nextApp.close(),
    ]);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new PortInUseError(
        `Port ${config.port} on ${config.host} is already in use. Stop what is using it, or choose another with PORT=3001 npm start.`,
      );
    }
    throw error;
  }

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    layout: host.layout,
    async close() {
      server.close();
      server.closeAllConnections();
      await gateway.dispose();
      await registry.dispose();
      await host.dispose();
      await nextApp.close();
    },
  };
}
