/**
 * Nestbox for the terminal benchmark, as its own process so its memory and CPU are measured
 * apart from the benchmark's clients: the real lab (sandbox host, session registry, terminal
 * gateway and HTTP API) without the pages. Its run directory, uid range and parent cgroup are
 * its own, and its progress database a temporary one, so it cannot disturb a lab on the same
 * machine.
 * Prints {"port": N, "origin": "..."} once it listens; SIGTERM ends every session and exits.
 */
import { fileURLToPath } from 'node:url';
import { startLab } from '../../server/lab.js';
import { createLogger } from '../../server/log.js';
import { scratchLabConfig } from '../../server/scratch-lab-config.js';

const { config, database } = scratchLabConfig({
  NESTBOX_RUN_DIR: '/run/nestbox-bench',
  NESTBOX_CGROUP_PARENT: 'nestbox-bench',
  NESTBOX_ID_BASE: '1700000000',
  NESTBOX_ALLOWED_ORIGINS: 'http://bench.nestbox.test',
});

const lab = await startLab(config, {
  pages: 'none',
  projectDir: fileURLToPath(new URL('../..', import.meta.url)),
  // Only what went wrong, on stderr: stdout carries the port for the benchmark.
  logger: createLogger('warn', process.stderr),
});

process.once('SIGTERM', () => {
  void lab.close().finally(() => {
    database.remove();
    process.exit(0);
  });
});

console.log(
  JSON.stringify({ port: Number(new URL(lab.url).port), origin: config.allowedOrigins[0] }),
);
