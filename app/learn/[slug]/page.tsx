import type { Metadata } from 'next';
import Link from 'next/link';
import { ScenarioErrorList } from '@/app/ScenarioErrorList';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import type { Page, Scenario } from '@/lib/scenario';
import { loadScenario, scenariosDir, type CatalogError } from '@/server/scenarios/catalog';
import { cookies } from 'next/headers';
import { LEARNER_COOKIE } from '@/server/learner-cookie';
import { sharedStore } from '@/server/store/shared';
import { HotReload } from './HotReload';
import { LessonShortcuts } from './LessonShortcuts';
import { LessonSplit } from './LessonSplit';
import { LessonMarkdown } from './LessonMarkdown';
import { LessonSessionProvider } from './session-context';
import { Steps, type LessonPage } from './Steps';
import { ResourcesPanel } from './ResourcesPanel';
import { Terminal } from './Terminal';

// Read at request time: the folder may change while the server runs.
export const dynamic = 'force-dynamic';

interface LessonParams {
  params: Promise<{ slug: string }>;
}

/** One read per request, shared by generateMetadata and the page. */
const readScenario = cache((slug: string) => loadScenario(scenariosDir(), slug));

export async function generateMetadata({ params }: LessonParams): Promise<Metadata> {
  const result = await readScenario((await params).slug);
  return result.ok
    ? { title: result.scenario.title, description: result.scenario.description }
    : { title: 'Lesson unavailable' };
}

/**
 * A scenario folder with errors: learners get a plain message and a way back; in development
 * the author also sees each problem's file:line, right where they opened the lesson.
 */
function ScenarioProblems({ errors }: { errors: CatalogError[] }) {
  const dev = process.env.NODE_ENV === 'development';
  return (
    <main className="mx-auto w-full max-w-3xl flex-1 px-4 py-10 sm:px-6">
      <section
        role="alert"
        className="rounded-xl border border-amber-300 bg-amber-50 p-5 text-sm text-amber-950 dark:border-amber-500/40 dark:bg-amber-950/40 dark:text-amber-100"
      >
        <h1 className="text-lg font-semibold">This lesson cannot open: its scenario has errors</h1>
        <p className="mt-1">
          {dev
            ? 'Fix these and reload the page.'
            : 'Whoever runs this lab needs to fix it. Pick another lesson meanwhile.'}
        </p>
        {dev && <ScenarioErrorList errors={errors} testId="scenario-errors" />}
        <p className="mt-4">
          <Link href="/" className="font-medium underline underline-offset-2">
            Back to the lessons
          </Link>
        </p>
      </section>
    </main>
  );
}

/** The lesson's pages in order, rendered here on the server, for the client-side stepper. */
function lessonPages(scenario: Scenario): LessonPage[] {
  const { steps } = scenario;
  const page = (label: string, source: Page, step: number | undefined): LessonPage => ({
    label,
    title: source.title,
    step,
    hasCheck: source.scripts.verify !== undefined,
    resources: source.resources === true,
    content: (
      <LessonMarkdown
        markdown={source.markdown}
        answer={source.answer}
        context={{ slug: scenario.slug, file: source.file, files: scenario.files }}
      />
    ),
  });
  return [
    page('Introduction', scenario.intro, undefined),
    ...steps.map((step, index) => page(`Step ${index + 1} of ${steps.length}`, step, index + 1)),
    ...(scenario.finish ? [page('Finish', scenario.finish, undefined)] : []),
  ];
}

/** The anonymous learner's saved place in this scenario, to resume there. */
async function savedProgress(slug: string): Promise<{ index: number; passed: number[] }> {
  const learner = (await cookies()).get(LEARNER_COOKIE)?.value;
  const progress = learner === undefined ? undefined : sharedStore().progress(learner, slug);
  if (progress === undefined) return { index: 0, passed: [] };
  // Page index: 0 is the intro and step N is page N, so the step number is its index.
  return { index: progress.currentStep, passed: progress.passedSteps };
}

export default async function LessonPage({ params }: LessonParams) {
  const result = await readScenario((await params).slug);
  if (!result.ok && result.reason === 'invalid') return <ScenarioProblems errors={result.errors} />;
  if (!result.ok) notFound();
  const { scenario } = result;
  const saved = await savedProgress(scenario.slug);

  return (
    <LessonSessionProvider scenario={scenario.slug}>
      {process.env.NODE_ENV === 'development' && <HotReload slug={scenario.slug} />}
      {/* Desktop: steps beside the terminal, each filling the viewport below the header and
        scrolling on its own. Narrow screens: steps first (collapsible), then a tall terminal. */}
      <LessonShortcuts />
      <LessonSplit
        steps={
          <>
            <header className="mb-6">
              <h1 className="text-2xl font-semibold tracking-tight">{scenario.title}</h1>
              {(scenario.difficulty !== undefined || scenario.time !== undefined) && (
                <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                  {[scenario.difficulty, scenario.time].filter(Boolean).join(' · ')}
                </p>
              )}
            </header>
            <Steps
              scenario={scenario.slug}
              pages={lessonPages(scenario)}
              initialIndex={saved.index}
              initiallyPassed={saved.passed}
            />
          </>
        }
        terminal={
          <>
            <div className="min-h-0 flex-1">
              <Terminal scenario={scenario.slug} />
            </div>
            <ResourcesPanel />
          </>
        }
      />
    </LessonSessionProvider>
  );
}
