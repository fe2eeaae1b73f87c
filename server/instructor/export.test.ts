import { describe, expect, it } from 'vitest';
import { progressCsv, progressRows } from './export.js';

describe('the progress export', () => {
  const rows = progressRows([
    {
      learner: 'abc',
      scenario: 'hello-sandbox',
      currentStep: 2,
      passedSteps: [1, 2],
      finishedAt: Date.UTC(2026, 0, 2),
      updatedAt: Date.UTC(2026, 0, 1),
    },
    {
      learner: '=HYPERLINK("x")',
      scenario: 'pids-fork-bomb',
      currentStep: 0,
      passedSteps: [],
      finishedAt: undefined,
      updatedAt: Date.UTC(2026, 0, 1),
    },
  ]);

  it('gives JSON rows with ISO times', () => {
    expect(rows[0]).toEqual({
      learner: 'abc',
      scenario: 'hello-sandbox',
      currentStep: 2,
      passedSteps: [1, 2],
      finishedAt: '2026-01-02T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(rows[1]?.finishedAt).toBeNull();
  });

  it('writes CSV with a header, quoted cells, and formulas defused', () => {
    expect(progressCsv(rows).split('\r\n')).toEqual([
      'learner,scenario,current_step,passed_steps,finished_at,updated_at',
      '"abc","hello-sandbox","2","1 2","2026-01-02T00:00:00.000Z","2026-01-01T00:00:00.000Z"',
      `"'=HYPERLINK(""x"")","pids-fork-bomb","0","","","2026-01-01T00:00:00.000Z"`,
      '',
    ]);
  });
});
