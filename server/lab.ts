/**
 * Assembles the running lab: sandbox host, session registry, terminal gateway, Next.js and the
 * HTTP server. Everything it opens is closed by the `close` it returns.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import next from 'next';
import type { Config } from './config.js';
import { createRouter } from './http.js';
import { Broadcaster } from './instructor/broadcast.js';
import type { Logger } from './log.js';
import { createLabMetrics } from './metrics.js';
import { FailureLimiter } from './rate-limit.js';
import { openSandboxHost, type CgroupLayout } from './sandbox/index.js';
import { SessionRegistry } from './sessions/registry.js';
import { openStore } from './store/index.js';
import { AUTH_FAILURE_DEFAULTS, TRANSPORT_DEFAULTS } from './terminal/defaults.js';
import { createTerminalGateway } from './terminal/gateway.js';

export interface Lab {
  url: string;
  layout: CgroupLayout;
  close(): Promise<void>;
}

export interface LabOptions {
  /** 'production' serves the built pages, 'development' compiles them on the fly with hot
   *  reload, and 'none' serves the API and terminals only (benchmarks and API tests). */
  pages: 'production' | 'development' | 'none';
  /** The project root, where next.config.ts and app/ live. */
  projectDir: string;
  logger: Logger;
}

interface Pages {
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  /** Next's own upgrades (dev-mode hot reload). */
  upgrade: ((request: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>) | undefined;
  close: () => Promise<void>;
}

async function openPages(config: Config, options: LabOptions): Promise<Pages> {
  if (options.pages === 'none') {
    return {
      handle: (_request, response) => {
        response.writeHead(404).end();
        return Promise.resolve();
      },
      upgrade: undefined,
      close: () => Promise.resolve(),
    };
  }
  const dev = options.pages === 'development';
  const nextApp = next({
    dev,
    dir: options.projectDir,
    hostname: config.host,
    port: config.port,
    quiet: !dev,
  });
  await nextApp.prepare();
  return {
    handle: nextApp.getRequestHandler(),
    upgrade: dev ? nextApp.getUpgradeHandler() : undefined,
    close: () => nextApp.close(),
  };
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

export async function startLab(config: Config, options: LabOptions): Promise<Lab> {
  const { logger } = options;
  const host = await openSandboxHost({
    ...config,
    maxSandboxes: config.maxSessions,
    onWarning: (message) => {
      logger.warn({ event: 'sandbox-warning' }, message);
    },
  });
  if (host.reaped.length > 0) {
    logger.info(
      { event: 'reaped', sandboxes: host.reaped },
      `reaped ${host.reaped.length} sandbox(es) a previous run left`,
    );
  }
  // Read lazily at scrape time, so declared before the registry and gateway they read.
  const metrics = createLabMetrics({
    sessions: () => registry.size,
    connections: () => gateway.connections,
  });
  const registry = new SessionRegistry(host, {
    observer: {
      started: (startMs, session) => {
        metrics.sessionsCreated.inc();
        metrics.sandboxStartSeconds.observe(startMs / 1000);
        logger.info(
          {
            event: 'session-created',
            sessionId: session.id,
            scenario: session.scenario,
            learner: session.learner,
            from: session.clientKey,
            startMs,
          },
          'session created',
        );
      },
      refused: (reason) => {
        metrics.sessionsRefused.inc({ reason });
        logger.warn({ event: 'session-refused', reason }, 'session refused');
      },
      ended: (session, reason) => {
        logger.info(
          {
            event: 'session-ended',
            sessionId: session.id,
            reason,
            lifetimeMs: Date.now() - session.createdAt,
          },
          'session ended',
        );
      },
    },
    ...config.sessions,
    maxSessions: config.maxSessions,
    maxSessionsPerClient: config.sessions.maxPerClient,
    sweepIntervalMs: 1000,
    startTimeoutMs: 10_000,
  });
  // One budget of failed guesses per client, whether it guesses over HTTP or WebSocket.
  const authFailures = new FailureLimiter(AUTH_FAILURE_DEFAULTS);
  const broadcaster = new Broadcaster();
  const gateway = createTerminalGateway(registry, {
    ...TRANSPORT_DEFAULTS,
    observer: {
      rejected: (reason) => {
        metrics.rejectedConnections.inc({ reason });
      },
      bytesIn: (count) => {
        metrics.bytesIn.inc(count);
      },
      bytesOut: (count) => {
        metrics.bytesOut.inc(count);
      },
    },
    authFailures,
    broadcasts: broadcaster,
    allowedOrigins: config.allowedOrigins,
    logger,
  });

  const pages = await openPages(config, options);
  // The pages keep their own connection (sharedStore), to the same file for the same env.
  const store = openStore(config.databasePath);
  const router = createRouter({
    registry,
    gateway,
    scenariosDir: config.scenariosDir,
    allowedOrigins: config.allowedOrigins,
    store,
    onVerify: (passed) => {
      metrics.verifyResults.inc({ result: passed ? 'pass' : 'fail' });
    },
    metrics: { registry: metrics.registry, token: config.metricsToken },
    broadcaster,
    joinCode: config.joinCode,
    instructorToken: config.instructorToken,
    authFailures,
    nextRequest: pages.handle,
    nextUpgrade: pages.upgrade,
    logger,
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
      pages.close(),
    ]);
    store.close();
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
      await pages.close();
      store.close();
    },
  };
}
