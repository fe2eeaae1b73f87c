/**
 * The lab keeps learners' progress in the database NESTBOX_DB names (here labForThisFile's temporary
 * file), not in the data directory beside the image.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from './store/index.js';
import { labForThisFile } from './test-lab.js';

const ORIGIN = 'http://lab.nestbox.test';
const { config, lab } = labForThisFile({
  NESTBOX_RUN_DIR: '/run/nestbox-it-lab',
  NESTBOX_CGROUP_PARENT: 'nestbox-it-lab',
  NESTBOX_ID_BASE: '2200000000',
  NESTBOX_ALLOWED_ORIGINS: ORIGIN,
});

describe('the lab started with NESTBOX_DB', () => {
  it('writes progress to that file', async () => {
    expect(config.databasePath).not.toBe(`${config.dataDir}/nestbox.db`);
    const opened = await fetch(`${lab().url}/api/progress`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: '{"scenario":"hello-sandbox","step":1}',
    });
    expect(opened.status).toBe(200);
    const store = openStore(config.databasePath);
    try {
      expect(store.allProgress()).toEqual([
        expect.objectContaining({ scenario: 'hello-sandbox', currentStep: 1 }),
      ]);
    } finally {
      store.close();
    }
  });
});
