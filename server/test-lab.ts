/**
 * The real lab (startLab, API only) for an integration test file: started before its tests,
 * closed after them with its parent cgroup removed, on a temporary database of its own.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { Config } from './config.js';
import { startLab, type Lab } from './lab.js';
import { silentLogger, type Logger } from './log.js';
import { removeParentCgroup } from './sandbox/test-helpers.js';
import { scratchLabConfig } from './scratch-lab-config.js';

export interface TestLab {
  /** Loaded from this process's environment, `env` on top, on 127.0.0.1 and a free port. */
  config: Config;
  /** The running lab; only inside tests (after beforeAll). */
  lab: () => Lab;
}

/**
 * `env` must give the file's own NESTBOX_RUN_DIR, NESTBOX_CGROUP_PARENT and NESTBOX_ID_BASE, so
 * that its start-up reaping never touches another lab's sandboxes.
 */
export function labForThisFile(
  env: Record<string, string>,
  logger: Logger = silentLogger(),
): TestLab {
  const { config, database } = scratchLabConfig(env);
  let running: Lab | undefined;

  beforeAll(async () => {
    running = await startLab(config, {
      pages: 'none',
      projectDir: fileURLToPath(new URL('..', import.meta.url)),
      logger,
    });
  });

  afterAll(async () => {
    // A lab that failed to start has nothing to close: its start-up error is the one to read.
    if (running) {
      await running.close();
      await removeParentCgroup(running.layout, config.cgroupParent);
    }
    database.remove();
  });

  return {
    config,
    lab: () => {
      if (!running) throw new Error('the test lab is not running (used outside a test?)');
      return running;
    },
  };
}
