import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import type { Page, Scenario } from '@/lib/scenario';
import { loadScenario, scenariosDir } from '@/server/scenarios/catalog';
import { cookies } from 'next/headers';
import { LEARNER_COOKIE } from '@/server/learner-cookie';
import { sharedStore } from '@/server/store/shared';
import { HotReload } from './HotReload';
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

/**
 * One read per request, shared by generateMetadata and the page. An invalid scenario is a 404
 * here; its errors are listed on the catalog page, where authors look for them.
 */
const findScenario = cache(async (slug: string): Promise<Scenario | undefined> => {
  const result = await loadScenario(scenariosDir(), slug);
  return result.ok ? result.scenario : undefined;
});

export async function generateMetadata({ params }: LessonParams): Promise<Metadata> {
  const scenario = await findScenario((await params).slug);
  return scenario === undefined ? {} : { title: scenario.title, description: scenario.description };
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
  const scenario = await findScenario((await params).slug);
  if (scenario === undefined) notFound();
  const saved = await savedProgress(scenario.slug);

  return (
    <LessonSessionProvider scenario={scenario.slug}>
      {process.env.NODE_ENV === 'development' && <HotReload slug={scenario.slug} />}
      {/* Desktop: text 40%, terminal 60%, each filling the viewport below the 3.5rem header and
        scrolling on its own. Narrow screens: text first, then a tall terminal. */}
      <main className="flex flex-1 flex-col lg:grid lg:h-[calc(100dvh-3.5rem)] lg:flex-none lg:grid-cols-[2fr_3fr] lg:grid-rows-[minmax(0,1fr)]">
        <article className="px-4 py-8 sm:px-6 lg:overflow-y-auto lg:border-r lg:border-zinc-200 lg:dark:border-zinc-800">
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
        </article>
        <section
          aria-label="Terminal"
          className="flex h-[75dvh] min-h-80 flex-col border-t border-zinc-200 lg:h-full lg:min-h-0 lg:border-t-0 dark:border-zinc-800"
        >
          <div className="min-h-0 flex-1">
            <Terminal scenario={scenario.slug} />
          </div>
          <ResourcesPanel />
        </section>
      </main>
    </LessonSessionProvider>
  );
}
