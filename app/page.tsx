import { cookies } from 'next/headers';
import Link from 'next/link';
import { ScenarioErrorList } from '@/app/ScenarioErrorList';
import type { Scenario } from '@/lib/scenario';
import { LEARNER_COOKIE } from '@/server/learner-cookie';
import {
  loadCatalog,
  loadCourses,
  scenariosDir,
  type CatalogError,
} from '@/server/scenarios/catalog';
import type { Progress } from '@/server/store';
import { sharedStore } from '@/server/store/shared';
import {
  CatalogFilter,
  FilterItem,
  FilterSection,
  type FilterEntry,
} from './catalog/CatalogFilter';

// Scenarios are read from disk on every request, so an author sees an edit on reload.
export const dynamic = 'force-dynamic';

/** "Done", "Step 2 of 5", or nothing for a lesson not started. */
function progressLabel(scenario: Scenario, progress: Progress | undefined): string | undefined {
  if (progress === undefined) return undefined;
  if (progress.finishedAt !== undefined) return 'Done';
  if (progress.currentStep === 0 && progress.passedSteps.length === 0) return undefined;
  return `Step ${Math.max(progress.currentStep, 1)} of ${scenario.steps.length}`;
}

function ScenarioCard({
  scenario,
  progress,
}: {
  scenario: Scenario;
  progress: Progress | undefined;
}) {
  const facts = [scenario.difficulty, scenario.time].filter(
    (fact): fact is string => fact !== undefined && fact !== '',
  );
  const status = progressLabel(scenario, progress);
  return (
    <li>
      <Link
        href={`/learn/${scenario.slug}`}
        className="group flex h-full flex-col rounded-xl border border-zinc-200 bg-white p-5 shadow-sm transition hover:border-emerald-500/60 hover:shadow-md focus-visible:outline-2 focus-visible:outline-emerald-600 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-emerald-400/60"
      >
        <h3 className="font-semibold tracking-tight text-zinc-900 group-hover:text-emerald-700 dark:text-zinc-100 dark:group-hover:text-emerald-400">
          {scenario.title}
        </h3>
        {status !== undefined && (
          <p
            data-testid="card-progress"
            className="mt-1 text-xs font-medium text-emerald-700 dark:text-emerald-400"
          >
            {status}
          </p>
        )}
        {scenario.description !== '' && (
          <p className="mt-2 flex-1 text-sm leading-6 text-zinc-600 dark:text-zinc-400">
            {scenario.description}
          </p>
        )}
        {facts.length > 0 && (
          <ul className="mt-4 flex flex-wrap gap-2 text-xs font-medium">
            {facts.map((fact) => (
              <li
                key={fact}
                className="rounded-full bg-zinc-100 px-2.5 py-1 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
              >
                {fact}
              </li>
            ))}
          </ul>
        )}
      </Link>
    </li>
  );
}

/** Shown to everyone, because the people who can fix a broken folder are the ones running it. */
function CatalogErrors({ dir, errors }: { dir: string; errors: CatalogError[] }) {
  return (
    <section
      role="alert"
      className="mt-10 rounded-xl border border-amber-300 bg-amber-50 p-5 text-sm text-amber-950 dark:border-amber-500/40 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <h2 className="font-semibold">
        {errors.length === 1 ? 'One problem' : `${errors.length} problems`} in the scenarios
        directory
      </h2>
      <p className="mt-1 text-amber-800 dark:text-amber-200/80">
        Paths are relative to <code className="font-mono">{dir}</code>. Scenarios with problems are
        hidden until they are fixed.
      </p>
      <ScenarioErrorList errors={errors} />
    </section>
  );
}

function CardGrid({
  scenarios,
  progress,
}: {
  scenarios: Scenario[];
  progress: Map<string, Progress>;
}) {
  return (
    <ul className="mt-4 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
      {scenarios.map((scenario) => (
        <FilterItem key={scenario.slug} slug={scenario.slug}>
          <ScenarioCard scenario={scenario} progress={progress.get(scenario.slug)} />
        </FilterItem>
      ))}
    </ul>
  );
}

export default async function CatalogPage() {
  const dir = scenariosDir();
  const [catalog, { courses, errors: courseErrors }] = await Promise.all([
    loadCatalog(dir),
    loadCourses(dir),
  ]);
  const learner = (await cookies()).get(LEARNER_COOKIE)?.value;
  const progress = new Map(
    (learner === undefined ? [] : sharedStore().progressOf(learner)).map((entry) => [
      entry.scenario,
      entry,
    ]),
  );
  const bySlug = new Map(catalog.scenarios.map((scenario) => [scenario.slug, scenario]));
  const grouped = courses
    .map((course) => ({
      course,
      scenarios: course.slugs.flatMap((slug) => bySlug.get(slug) ?? []),
    }))
    .filter((group) => group.scenarios.length > 0);
  const inCourse = new Set(grouped.flatMap((group) => group.scenarios));
  const others = catalog.scenarios.filter((scenario) => !inCourse.has(scenario));
  const errors = [...catalog.errors, ...courseErrors];
  const courseOf = new Map(
    grouped.flatMap(({ course, scenarios }) => scenarios.map((s) => [s, course.title] as const)),
  );
  const entries: FilterEntry[] = catalog.scenarios.map((scenario) => ({
    slug: scenario.slug,
    text: [
      scenario.title,
      scenario.description,
      scenario.difficulty ?? '',
      courseOf.get(scenario) ?? '',
    ].join(' \n '),
  }));
  return (
    <main className="mx-auto w-full max-w-5xl flex-1 px-4 py-10 sm:px-6">
      <h1 className="text-2xl font-semibold tracking-tight">Lessons</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">
        Each lesson opens a fresh Linux sandbox beside its instructions.
      </p>
      <CatalogFilter entries={entries}>
        {grouped.map(({ course, scenarios }, index) => {
          const titleId = index === 0 ? 'course-title' : `course-title-${index + 1}`;
          return (
            <FilterSection key={titleId} slugs={scenarios.map((scenario) => scenario.slug)}>
              <section className="mt-8" aria-labelledby={titleId}>
                <h2 id={titleId} className="text-lg font-semibold tracking-tight">
                  {course.title}
                </h2>
                {course.description !== '' && (
                  <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
                    {course.description}
                  </p>
                )}
                <CardGrid scenarios={scenarios} progress={progress} />
              </section>
            </FilterSection>
          );
        })}
        {others.length > 0 && (
          <FilterSection slugs={others.map((scenario) => scenario.slug)}>
            <section className="mt-10" aria-labelledby="more-title">
              <h2 id="more-title" className="text-lg font-semibold tracking-tight">
                {inCourse.size > 0 ? 'More lessons' : 'All lessons'}
              </h2>
              <CardGrid scenarios={others} progress={progress} />
            </section>
          </FilterSection>
        )}
      </CatalogFilter>
      {catalog.scenarios.length === 0 && (
        <p className="mt-8 rounded-xl border border-dashed border-zinc-300 p-8 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No lessons yet. Add a scenario folder to <code className="font-mono">{catalog.dir}</code>.
        </p>
      )}
      {errors.length > 0 && <CatalogErrors dir={catalog.dir} errors={errors} />}
    </main>
  );
}
