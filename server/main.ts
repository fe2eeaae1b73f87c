/**
 * The server entry point: reads the config, starts the lab, and shuts it down cleanly on
 * SIGINT or SIGTERM, ending every sandbox. Known failures print one clear line, not a stack.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.js';
import { PortInUseError, startLab } from './lab.js';
import { createLogger } from './log.js';
import { SandboxError } from './sandbox/index.js';

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * A lab outlives whatever reads its log (a closed terminal, `| head`). Without a listener, the
 * EPIPE of the next log line is an uncaught exception; Next logs those to the same broken
 * pipe, which fails again: a loop that spins a core. Lost log lines are the lesser harm.
 */
function surviveLostLogReader(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
}

/** Runs the lab until a signal; resolves with the process exit code. */
export async function runServer(options: { dev: boolean }): Promise<number> {
  surviveLostLogReader();
  let logger;
  let lab;
  try {
    const config = loadConfig();
    logger = createLogger(config.logLevel);
    lab = await startLab(config, {
      pages: options.dev ? 'development' : 'production',
      projectDir: PROJECT_DIR,
      logger,
    });
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof SandboxError ||
      error instanceof PortInUseError
    ) {
      // Whoever just started the server reads this, not a log collector: one plain line.
      console.error(`nestbox: ${error.message}`);
      return 1;
    }
    throw error;
  }
  logger.info(
    { event: 'lab-ready', url: lab.url, cgroups: lab.layout },
    `cgroups ${lab.layout}; lab ready at ${lab.url}`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ event: 'shutdown', signal }, `${signal}, ending every session...`);
  await lab.close();
  logger.info({ event: 'stopped' }, 'stopped');
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Exit explicitly: Next's dev server keeps a worker and file watchers alive after close().
  process.exit(await runServer({ dev: process.env.NODE_ENV === 'development' }));
}
