/**
 * The lab server and Debian's Chromium for a browser test file: both started before its tests
 * and closed after them.
 */
import type { Browser } from 'playwright';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './browser.js';
import { startLabServer, type RunningLab } from './lab-server.js';

export interface E2eLab {
  /** The running server; only inside tests (after beforeAll). */
  lab: () => RunningLab;
  browser: () => Browser;
}

/**
 * `env` must give the file's own NESTBOX_RUN_DIR, NESTBOX_CGROUP_PARENT and NESTBOX_ID_BASE, so
 * that its start-up reaping never touches another lab's sandboxes.
 */
export function labAndBrowserForThisFile(env: Record<string, string>): E2eLab {
  let running: { lab: RunningLab; browser: Browser } | undefined;
  beforeAll(async () => {
    const lab = await startLabServer(env);
    try {
      running = { lab, browser: await launchChromium() };
    } catch (error) {
      await lab.stop();
      throw error;
    }
  });
  afterAll(async () => {
    await running?.browser.close();
    await running?.lab.stop();
  });
  const started = (): { lab: RunningLab; browser: Browser } => {
    if (!running) throw new Error('the lab and browser are not running (used outside a test?)');
    return running;
  };
  return { lab: () => started().lab, browser: () => started().browser };
}
