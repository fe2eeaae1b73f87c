'use client';

import { useEffect, useState, type ReactNode } from 'react';
import { setResourcesOpen } from './resource-history';
import { usePageRuntime } from './page-runtime';
import { endSession } from './session-client';
import { useLessonSession } from './session-context';

/** One page of the lesson as the server rendered it. */
export interface LessonPage {
  /** 'Introduction', 'Step 2 of 5', 'Finish'. */
  label: string;
  title: string;
  /** The step number (1..n) for steps; undefined for the intro and the finish. */
  step: number | undefined;
  hasCheck: boolean;
  /** Opening the page opens the Resources panel (index.json `"resources": true`). */
  resources: boolean;
  content: ReactNode;
}

type CheckState =
  { kind: 'idle' } | { kind: 'checking' } | { kind: 'passed' } | { kind: 'failed'; hint: string };

const BUTTON =
  'rounded-md px-3 py-1.5 text-sm font-medium ring-1 focus-visible:outline-2 focus-visible:outline-emerald-500 disabled:opacity-50';

function recordProgress(scenario: string, body: { step: number } | { finished: true }): void {
  void fetch('/api/progress', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenario, ...body }),
  }).catch(() => undefined); // progress is a convenience; the lesson works without it
}

/**
 * The lesson, one page at a time: intro, steps and finish, with a progress bar. A step with a
 * check must pass it (Check runs its verify script in the learner's sandbox) before Next; a
 * failed check shows the script's hint and stays on the step.
 */
export function Steps({
  scenario,
  pages,
  initialIndex,
  initiallyPassed,
}: {
  scenario: string;
  pages: LessonPage[];
  initialIndex: number;
  initiallyPassed: number[];
}) {
  const { grant, restart } = useLessonSession();
  const [index, setIndex] = useState(Math.min(initialIndex, pages.length - 1));
  const runtime = usePageRuntime(index);
  const [passed, setPassed] = useState(() => new Set(initiallyPassed));
  const [check, setCheck] = useState<CheckState>({ kind: 'idle' });
  const page = pages[index];
  const opensResources = page?.resources === true;
  useEffect(() => {
    if (opensResources) setResourcesOpen(true);
  }, [index, opensResources]);
  if (page === undefined) return null;

  const stepsTotal = pages.filter((candidate) => candidate.step !== undefined).length;
  const stepsDone = pages.filter(
    (candidate) =>
      candidate.step !== undefined && (!candidate.hasCheck || passed.has(candidate.step)),
  ).length;
  const blocked = page.hasCheck && page.step !== undefined && !passed.has(page.step);

  const go = (target: number) => {
    const next = pages[target];
    if (next === undefined) return;
    setIndex(target);
    setCheck({ kind: 'idle' });
    if (next.step !== undefined) recordProgress(scenario, { step: next.step });
    else if (target === pages.length - 1 && target > 0)
      recordProgress(scenario, { finished: true });
  };

  /** The next action after a failed preparation: a fresh sandbox, as the terminal's Reset. */
  const resetEnvironment = () => {
    if (grant === undefined) return;
    if (
      !window.confirm('Reset the environment? Your sandbox is thrown away and a fresh one starts.')
    )
      return;
    void endSession(grant)
      .catch((reason: unknown) => {
        console.error('nestbox: reset failed', reason);
      })
      .finally(restart);
  };

  const runCheck = async () => {
    if (grant === undefined || page.step === undefined) return;
    setCheck({ kind: 'checking' });
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(grant.sessionId)}/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${grant.token}` },
        body: JSON.stringify({ step: page.step }),
      });
      const result = (await response.json()) as {
        passed?: boolean;
        hint?: string;
        error?: { message?: string };
      };
      if (!response.ok) {
        setCheck({
          kind: 'failed',
          hint: result.error?.message ?? `The check failed (HTTP ${response.status}).`,
        });
      } else if (result.passed === true) {
        setPassed((previous) => new Set(previous).add(page.step as number));
        setCheck({ kind: 'passed' });
      } else {
        setCheck({ kind: 'failed', hint: result.hint ?? '' });
      }
    } catch {
      setCheck({ kind: 'failed', hint: 'Could not reach the server to check this step.' });
    }
  };

  return (
    <div className="flex min-h-full flex-col">
      <div className="mb-6">
        <div className="flex items-center justify-between text-xs text-zinc-500 dark:text-zinc-400">
          <span>{page.label}</span>
          <span data-testid="progress-text">
            {stepsDone} of {stepsTotal} steps done
          </span>
        </div>
        <div
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={stepsTotal}
          aria-valuenow={stepsDone}
          className="mt-2 h-1.5 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
        >
          <div
            className="h-full rounded-full bg-emerald-500 transition-all"
            style={{ width: `${stepsTotal === 0 ? 100 : (stepsDone / stepsTotal) * 100}%` }}
          />
        </div>
      </div>

      <h2 className="text-xl font-semibold tracking-tight text-zinc-900 dark:text-zinc-100">
        {page.title}
      </h2>
      <div className="mt-4 flex-1">{page.content}</div>

      {/* Always rendered, so screen readers announce "preparing" and its end. */}
      <div aria-live="polite" id="preparation-status">
        {runtime.preparing && (
          <p
            data-testid="preparing"
            className="mt-6 flex items-center gap-2 rounded-md bg-sky-50 p-3 text-sm text-sky-900 dark:bg-sky-500/10 dark:text-sky-200"
          >
            <span aria-hidden className="size-2 animate-pulse rounded-full bg-sky-500" />
            Preparing your environment… Check is available once it is ready.
          </p>
        )}
        {runtime.failed !== undefined && (
          <div
            role="alert"
            data-testid="preparation-failed"
            className="mt-6 rounded-md bg-red-50 p-3 text-sm text-red-900 dark:bg-red-500/10 dark:text-red-200"
          >
            <p className="font-medium">Preparing your environment failed.</p>
            <p className="mt-1">
              {runtime.failed.error ??
                `A setup script ended with an error; run cat ${runtime.failed.log} in the terminal to see why.`}{' '}
              Reset the environment to try again with a fresh sandbox.
            </p>
            <button
              type="button"
              onClick={resetEnvironment}
              className={`${BUTTON} mt-2 text-red-800 ring-red-600/40 hover:bg-red-100 dark:text-red-200 dark:hover:bg-red-500/10`}
            >
              Reset environment
            </button>
          </div>
        )}
      </div>

      {check.kind === 'failed' && (
        <div
          role="alert"
          data-testid="check-hint"
          className="mt-6 rounded-md bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-500/10 dark:text-amber-200"
        >
          <p className="font-medium">Not yet.</p>
          {check.hint !== '' && <p className="mt-1 whitespace-pre-line">{check.hint}</p>}
        </div>
      )}
      {check.kind === 'passed' && (
        <p
          role="status"
          data-testid="check-passed"
          className="mt-6 rounded-md bg-emerald-50 p-3 text-sm font-medium text-emerald-900 dark:bg-emerald-500/10 dark:text-emerald-200"
        >
          Well done: this step is complete.
        </p>
      )}

      <nav className="mt-8 flex items-center gap-3 border-t border-zinc-200 pt-4 dark:border-zinc-800">
        <button
          type="button"
          onClick={() => {
            go(index - 1);
          }}
          disabled={index === 0}
          data-step-nav="previous"
          className={`${BUTTON} text-zinc-700 ring-zinc-300 hover:bg-zinc-100 dark:text-zinc-300 dark:ring-zinc-700 dark:hover:bg-zinc-800`}
        >
          Back
        </button>
        <span className="ml-auto" />
        {page.hasCheck && (
          <button
            type="button"
            onClick={() => void runCheck()}
            disabled={
              grant === undefined ||
              check.kind === 'checking' ||
              !runtime.ready ||
              runtime.preparing
            }
            title={runtime.preparing ? 'Wait until your environment is prepared' : undefined}
            aria-describedby="preparation-status"
            className={`${BUTTON} text-emerald-700 ring-emerald-600/40 hover:bg-emerald-50 dark:text-emerald-400 dark:hover:bg-emerald-400/10`}
          >
            {check.kind === 'checking' ? 'Checking…' : 'Check'}
          </button>
        )}
        {index < pages.length - 1 && (
          <button
            type="button"
            onClick={() => {
              go(index + 1);
            }}
            disabled={blocked}
            data-step-nav="next"
            title={blocked ? 'Pass the check first' : undefined}
            className={`${BUTTON} bg-emerald-600 text-white ring-emerald-600 hover:bg-emerald-500`}
          >
            {index === 0 ? 'Start' : 'Next'}
          </button>
        )}
      </nav>
    </div>
  );
}
