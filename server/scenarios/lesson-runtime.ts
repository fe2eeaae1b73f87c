/**
 * A scenario's scripts in a live learner session: the assets and the intro's background script
 * when the session starts, each page's background script once when the learner first opens the
 * page, its foreground text handed out once, and the background states the lesson page polls.
 *
 * Sessions stay generic (design.md §3): this module keeps its own small record per session,
 * keyed by id and dropped when the session ends, and reaches the sandbox only through `exec`.
 */
import { join } from 'node:path';
import type { Page, Scenario } from '../../lib/scenario/index.js';
import { ScenarioRuntimeError } from './errors.js';
import {
  backgroundLogFile,
  backgroundStates,
  copyAssets,
  foregroundText,
  startBackground,
  type BackgroundState,
  type ExecTarget,
} from './runtime.js';

/** What this module needs of a session (server/sessions' Session has it). */
export interface LessonTarget extends ExecTarget {
  readonly id: string;
  /** Why the session ended, once it has. */
  readonly ended: string | undefined;
  onEnd(listener: () => void): { dispose(): void };
}

/** A page's background script as the lesson page sees it. */
export interface PageBackground {
  state: BackgroundState;
  /** Where its output went inside the sandbox, so a failure message can point at it. */
  log: string;
  /** Why it could not even start; only when `state` is `failed` for that reason. */
  error?: string;
}

/** Background scripts by page index (0 the intro, 1..n the steps, n+1 the finish). */
export type BackgroundStates = Record<number, PageBackground>;

/** States of running scripts are read from the sandbox at most this often per session. */
const REFRESH_MS = 500;

interface SessionRecord {
  /** Pages whose background script was started, with what is known of it. */
  readonly backgrounds: Map<number, PageBackground>;
  /** Pages whose foreground text was handed out: it is typed once per session. */
  readonly typed: Set<number>;
  refreshing: Promise<void> | undefined;
  refreshedAt: number;
}

/** The page at `index` of a lesson: 0 the intro, 1..n the steps, n+1 the finish. */
export function lessonPage(scenario: Scenario, index: number): Page | undefined {
  if (!Number.isSafeInteger(index) || index < 0) return undefined;
  if (index === 0) return scenario.intro;
  if (index <= scenario.steps.length) return scenario.steps[index - 1];
  return index === scenario.steps.length + 1 ? scenario.finish : undefined;
}

/**
 * The background job name of page `index`, so its log is /tmp/.nestbox/background-page-N.log
 * in a lesson and under `nestbox scenario test` alike.
 */
export function pageJobName(index: number): string {
  return `page-${index}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class LessonRuntime {
  /** One record per live session with a scenario runtime; bounded by the session cap. */
  private readonly sessions = new Map<string, SessionRecord>();

  constructor(private readonly scenariosDir: string) {}

  /** Sessions with a record, for tests that prove records die with their session. */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * Prepares a new session: copies the assets (with their chmod), then starts the intro's
   * background script. Rejects (ScenarioRuntimeError) when the assets cannot be copied or the
   * script cannot be started; the caller decides what becomes of the session.
   */
  async start(session: LessonTarget, scenario: Scenario): Promise<void> {
    await copyAssets(session, scenario.assets, join(this.scenariosDir, scenario.slug));
    const record = this.recordFor(session);
    const background = await this.startPage(session, record, scenario, 0);
    if (background?.error !== undefined) {
      throw new ScenarioRuntimeError('background-start-failed', background.error);
    }
  }

  /**
   * The learner opened page `index`: starts its background script unless this session already
   * did, and returns its foreground text the first time only (a reload must not type it again).
   * Undefined when the scenario has no such page.
   */
  async open(
    session: LessonTarget,
    scenario: Scenario,
    index: number,
  ): Promise<{ foreground: string | undefined } | undefined> {
    const page = lessonPage(scenario, index);
    if (page === undefined) return undefined;
    const record = this.recordFor(session);
    await this.startPage(session, record, scenario, index);
    const text = foregroundText(page);
    if (text === undefined || record.typed.has(index)) return { foreground: undefined };
    record.typed.add(index);
    return { foreground: text };
  }

  /** The background scripts this session started, with their states as of at most 0.5 s ago. */
  async states(session: LessonTarget): Promise<BackgroundStates> {
    const record = this.sessions.get(session.id);
    if (record === undefined) return {};
    if (Date.now() - record.refreshedAt >= REFRESH_MS) {
      // Concurrent polls (two tabs, a reload) share one read of the sandbox.
      record.refreshing ??= this.refresh(session, record).finally(() => {
        record.refreshedAt = Date.now();
        record.refreshing = undefined;
      });
      await record.refreshing;
    }
    return Object.fromEntries(record.backgrounds);
  }

  private recordFor(session: LessonTarget): SessionRecord {
    const existing = this.sessions.get(session.id);
    if (existing) return existing;
    const record: SessionRecord = {
      backgrounds: new Map(),
      typed: new Set(),
      refreshing: undefined,
      refreshedAt: 0,
    };
    // A session that has already ended would never tell us: keep no record for it.
    if (session.ended !== undefined) return record;
    this.sessions.set(session.id, record);
    session.onEnd(() => {
      this.sessions.delete(session.id);
    });
    return record;
  }

  /** Starts page `index`'s background script once per session; what is known of it. */
  private async startPage(
    session: LessonTarget,
    record: SessionRecord,
    scenario: Scenario,
    index: number,
  ): Promise<PageBackground | undefined> {
    const script = lessonPage(scenario, index)?.scripts.background;
    if (script === undefined || script.trim() === '') return undefined;
    const known = record.backgrounds.get(index);
    if (known) return known;
    // Claimed before the first await, so two opens at once start it once.
    const name = pageJobName(index);
    const background: PageBackground = { state: 'running', log: backgroundLogFile(name) };
    record.backgrounds.set(index, background);
    try {
      await startBackground(session, script, { name });
    } catch (error) {
      background.state = 'failed';
      background.error = `The page's background script could not start: ${message(error)}`;
    }
    return background;
  }

  private async refresh(session: LessonTarget, record: SessionRecord): Promise<void> {
    const running = [...record.backgrounds].filter(
      ([, background]) => background.state === 'running',
    );
    if (running.length === 0) return;
    let states;
    try {
      states = await backgroundStates(
        session,
        running.map(([index]) => pageJobName(index)),
      );
    } catch {
      return; // the sandbox is going away, or busy: report what we knew
    }
    for (const [index, background] of running) {
      background.state = states.get(pageJobName(index)) ?? background.state;
    }
  }
}
