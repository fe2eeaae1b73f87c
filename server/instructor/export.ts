/**
 * Progress per learner and scenario, as JSON rows and as CSV for a spreadsheet. Cells are
 * quoted, and a cell a spreadsheet would run as a formula (=, +, -, @) is prefixed with a quote:
 * learner ids and scenario names are not ours to trust.
 */
import type { Progress } from '../store/index.js';

export interface ProgressRow {
  learner: string;
  scenario: string;
  currentStep: number;
  passedSteps: number[];
  finishedAt: string | null;
  updatedAt: string;
}

export function progressRows(progress: readonly Progress[]): ProgressRow[] {
  return progress.map((entry) => ({
    learner: entry.learner,
    scenario: entry.scenario,
    currentStep: entry.currentStep,
    passedSteps: entry.passedSteps,
    finishedAt: entry.finishedAt === undefined ? null : new Date(entry.finishedAt).toISOString(),
    updatedAt: new Date(entry.updatedAt).toISOString(),
  }));
}

function cell(value: string | number): string {
  const text = String(value);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

const HEADER = ['learner', 'scenario', 'current_step', 'passed_steps', 'finished_at', 'updated_at'];

export function progressCsv(rows: readonly ProgressRow[]): string {
  const lines = rows.map((row) =>
    [
      row.learner,
      row.scenario,
      row.currentStep,
      row.passedSteps.join(' '),
      row.finishedAt ?? '',
      row.updatedAt,
    ]
      .map(cell)
      .join(','),
  );
  return [HEADER.join(','), ...lines].join('\r\n') + '\r\n';
}
