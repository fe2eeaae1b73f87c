import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import type { Page, Scenario } from '@/lib/scenario';
import { loadScenario, scenariosDir } from '@/server/scenarios/catalog';
import { LessonMarkdown } from './LessonMarkdown';
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

function LessonSection({ label, page }: { label: string | undefined; page: Page }) {
  return (
    <section className="border-t border-zinc-200 py-8 first:border-t-0 first:pt-0 dark:border-zinc-800">
      {label !== undefined && (
        <p className="text-xs font-semibold tracking-wider text-emerald-700 uppercase dark:text-emerald-400">
          {label}
        </p>
      )}
      <h2 className="mt-1 text-lg font-semibold tracking-tight text-zinc-900 dark:text-zinc-100">
        {page.title}
      </h2>
      <div className="mt-4">
        <LessonMarkdown markdown={page.markdown} />
      </div>
    </section>
  );
}

export default async function LessonPage({ params }: LessonParams) {
  const scenario = await findScenario((await params).slug);
  if (scenario === undefined) notFound();
  const { steps } = scenario;

  return (
    // Desktop: text 40%, terminal 60%, each filling the viewport below the 3.5rem header and
    // scrolling on its own. Narrow screens: text first, then a tall terminal.
    <main className="flex flex-1 flex-col lg:grid lg:h-[calc(100dvh-3.5rem)] lg:flex-none lg:grid-cols-[2fr_3fr] lg:grid-rows-[minmax(0,1fr)]">
      <article className="px-4 py-8 sm:px-6 lg:overflow-y-auto lg:border-r lg:border-zinc-200 lg:dark:border-zinc-800">
        <header className="mb-8">
          <h1 className="text-2xl font-semibold tracking-tight">{scenario.title}</h1>
          {(scenario.difficulty !== undefined || scenario.time !== undefined) && (
            <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
              {[scenario.difficulty, scenario.time].filter(Boolean).join(' · ')}
            </p>
          )}
        </header>
        <LessonSection label={undefined} page={scenario.intro} />
        {steps.map((step, index) => (
          <LessonSection key={index} label={`Step ${index + 1} of ${steps.length}`} page={step} />
        ))}
        {scenario.finish !== undefined && (
          <LessonSection label={undefined} page={scenario.finish} />
        )}
      </article>
      <section
        aria-label="Terminal"
        className="h-[75dvh] min-h-80 border-t border-zinc-200 lg:h-full lg:min-h-0 lg:border-t-0 dark:border-zinc-800"
      >
        <Terminal scenario={scenario.slug} />
      </section>
    </main>
  );
}
