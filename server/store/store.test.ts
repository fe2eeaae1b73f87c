import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from './index.js';

describe('the store', () => {
  it('records progress per learner and scenario, and survives a reopen', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nestbox-store-')), 'nestbox.db');
    const store = openStore(file);
    store.openStep('ann', 'cgroups-cpu', 2);
    store.passStep('ann', 'cgroups-cpu', 2);
    store.passStep('ann', 'cgroups-cpu', 1);
    store.passStep('ann', 'cgroups-cpu', 2); // a second pass changes nothing
    store.openStep('bob', 'linux-namespaces', 1);
    store.close();

    const reopened = openStore(file);
    expect(reopened.progress('ann', 'cgroups-cpu')).toMatchObject({
      currentStep: 2,
      passedSteps: [1, 2],
      finishedAt: undefined,
    });
    expect(reopened.progressOf('bob').map((progress) => progress.scenario)).toEqual([
      'linux-namespaces',
    ]);
    expect(reopened.progress('ann', 'linux-namespaces')).toBeUndefined();
    expect(reopened.finish('ann', 'cgroups-cpu').finishedAt).toBeGreaterThan(0);
    expect(reopened.allProgress()).toHaveLength(2);
    reopened.close();
  });

  it('keeps an ordered audit trail of events', () => {
    const store = openStore(':memory:');
    store.recordEvent({
      actor: 'instructor',
      kind: 'extend',
      detail: { session: 's1', minutes: 15 },
    });
    store.recordEvent({
      actor: 'system',
      kind: 'session-ended',
      detail: { session: 's1', reason: 'idle' },
    });
    const [latest, earlier] = store.events(10);
    expect(latest).toMatchObject({
      actor: 'system',
      kind: 'session-ended',
      detail: { reason: 'idle' },
    });
    expect(earlier).toMatchObject({ actor: 'instructor', kind: 'extend', detail: { minutes: 15 } });
    expect(store.events(1)).toHaveLength(1);
    store.close();
  });
});
