/**
 * Durable state: learners' progress and an audit trail of events, in one SQLite file under the
 * data directory (better-sqlite3, embedded: nothing to install or run beside the lab).
 *
 * Writes are synchronous and tiny (one row per passed step or event), which SQLite in WAL mode
 * handles far faster than a workshop can produce them.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a learner is in one scenario. Steps are numbered from 1; 0 is the intro. */
export interface Progress {
  learner: string;
  scenario: string;
  /** The step the learner last had open, to resume there. */
  currentStep: number;
  /** Steps whose check passed, ascending. */
  passedSteps: number[];
  /** Set once the learner reached the finish page. */
  finishedAt: number | undefined;
  updatedAt: number;
}

export interface StoredEvent {
  at: number;
  /** Who did it: a learner id, "instructor", or "system". */
  actor: string;
  kind: string;
  /** Free-form details, stored as JSON. */
  detail: Record<string, unknown>;
}

export interface Store {
  progress(learner: string, scenario: string): Progress | undefined;
  progressOf(learner: string): Progress[];
  allProgress(): Progress[];
  openStep(learner: string, scenario: string, step: number): Progress;
  passStep(learner: string, scenario: string, step: number): Progress;
  finish(learner: string, scenario: string): Progress;
  recordEvent(event: Omit<StoredEvent, 'at'>): void;
  events(limit: number): StoredEvent[];
  close(): void;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS progress (
    learner      TEXT NOT NULL,
    scenario     TEXT NOT NULL,
    current_step INTEGER NOT NULL DEFAULT 0,
    passed_steps TEXT NOT NULL DEFAULT '[]',
    finished_at  INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (learner, scenario)
  );
  CREATE TABLE IF NOT EXISTS events (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    kind   TEXT NOT NULL,
    detail TEXT NOT NULL
  );
`;

interface ProgressRow {
  learner: string;
  scenario: string;
  current_step: number;
  passed_steps: string;
  finished_at: number | null;
  updated_at: number;
}

interface EventRow {
  at: number;
  actor: string;
  kind: string;
  detail: string;
}

function toProgress(row: ProgressRow): Progress {
  return {
    learner: row.learner,
    scenario: row.scenario,
    currentStep: row.current_step,
    passedSteps: JSON.parse(row.passed_steps) as number[],
    finishedAt: row.finished_at ?? undefined,
    updatedAt: row.updated_at,
  };
}

/** Opens (creating if needed) the store at `file`; ':memory:' gives a throwaway one. */
export function openStore(file: string): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);

  const select = db.prepare<[string, string], ProgressRow>(
    'SELECT * FROM progress WHERE learner = ? AND scenario = ?',
  );
  const selectLearner = db.prepare<[string], ProgressRow>(
    'SELECT * FROM progress WHERE learner = ? ORDER BY updated_at DESC',
  );
  const selectAll = db.prepare<[], ProgressRow>('SELECT * FROM progress ORDER BY updated_at DESC');
  const upsert = db.prepare<[string, string, number, string, number | null, number]>(`
    INSERT INTO progress (learner, scenario, current_step, passed_steps, finished_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (learner, scenario) DO UPDATE SET
      current_step = excluded.current_step,
      passed_steps = excluded.passed_steps,
      finished_at  = excluded.finished_at,
      updated_at   = excluded.updated_at
  `);
  const insertEvent = db.prepare<[number, string, string, string]>(
    'INSERT INTO events (at, actor, kind, detail) VALUES (?, ?, ?, ?)',
  );
  const selectEvents = db.prepare<[number], EventRow>(
    'SELECT at, actor, kind, detail FROM events ORDER BY id DESC LIMIT ?',
  );

  /** Read-modify-write of one learner's row, in a transaction so concurrent checks can't race. */
  const update = db.transaction(
    (learner: string, scenario: string, change: (progress: Progress) => Progress): Progress => {
      const row = select.get(learner, scenario);
      const now = Date.now();
      const current: Progress = row
        ? toProgress(row)
        : {
            learner,
            scenario,
            currentStep: 0,
            passedSteps: [],
            finishedAt: undefined,
            updatedAt: now,
          };
      const next = { ...change(current), updatedAt: now };
      upsert.run(
        learner,
        scenario,
        next.currentStep,
        JSON.stringify(next.passedSteps),
        next.finishedAt ?? null,
        now,
      );
      return next;
    },
  );

  return {
    progress(learner, scenario) {
      const row = select.get(learner, scenario);
      return row ? toProgress(row) : undefined;
    },
    progressOf: (learner) => selectLearner.all(learner).map(toProgress),
    allProgress: () => selectAll.all().map(toProgress),
    openStep: (learner, scenario, step) =>
      update(learner, scenario, (progress) => ({ ...progress, currentStep: step })),
    passStep: (learner, scenario, step) =>
      update(learner, scenario, (progress) => ({
        ...progress,
        passedSteps: [...new Set([...progress.passedSteps, step])].sort((a, b) => a - b),
      })),
    finish: (learner, scenario) =>
      update(learner, scenario, (progress) => ({
        ...progress,
        finishedAt: progress.finishedAt ?? Date.now(),
      })),
    recordEvent(event) {
      insertEvent.run(Date.now(), event.actor, event.kind, JSON.stringify(event.detail));
    },
    events: (limit) =>
      selectEvents.all(limit).map((row) => ({
        at: row.at,
        actor: row.actor,
        kind: row.kind,
        detail: JSON.parse(row.detail) as Record<string, unknown>,
      })),
    close() {
      db.close();
    },
  };
}
