import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from './catalog';
import { lessonPage } from './lesson-runtime';

describe('lessonPage', () => {
  it('numbers pages as the lesson shows them: intro, steps from 1, then the finish', async () => {
    const loaded = await loadScenario(resolve('server/scenarios/fixtures'), 'killercoda-example');
    if (!loaded.ok) throw new Error('the fixture did not load');
    const { scenario } = loaded;
    expect(lessonPage(scenario, 0)).toBe(scenario.intro);
    expect(lessonPage(scenario, 1)).toBe(scenario.steps[0]);
    expect(lessonPage(scenario, 3)).toBe(scenario.steps[2]);
    expect(lessonPage(scenario, 4)).toBe(scenario.finish);
  });

  it('is nothing for a page the lesson does not have', async () => {
    const loaded = await loadScenario(resolve('e2e/fixtures/scenarios'), 'runtime-demo');
    if (!loaded.ok) throw new Error('the fixture did not load');
    // runtime-demo has two steps and no finish page.
    for (const index of [-1, 1.5, 3, 4, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(lessonPage(loaded.scenario, index)).toBeUndefined();
    }
    expect(lessonPage(loaded.scenario, 2)).toBe(loaded.scenario.steps[1]);
  });
});
