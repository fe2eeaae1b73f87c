'use client';

/**
 * The catalog's search box. The cards stay server-rendered; each is wrapped in a `FilterItem`
 * that knows its own search text and hides itself when the query does not match, and a
 * `FilterSection` hides a course whose cards are all hidden.
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { matchesQuery, queryWords } from './catalog-filter';

interface FilterState {
  /** Slugs of the cards the query keeps. */
  shown: ReadonlySet<string>;
}

const FilterContext = createContext<FilterState | null>(null);

function useFilter(): FilterState {
  const state = useContext(FilterContext);
  if (state === null) throw new Error('FilterItem and FilterSection belong inside CatalogFilter');
  return state;
}

export interface FilterEntry {
  slug: string;
  /** Everything a learner might search for: title, description, difficulty, course. */
  text: string;
}

export function CatalogFilter({
  entries,
  children,
}: {
  entries: FilterEntry[];
  children: ReactNode;
}) {
  const [query, setQuery] = useState('');
  const words = queryWords(query);
  const key = words.join(' ');
  const shown = useMemo(
    () =>
      new Set(
        entries
          .filter((entry) => matchesQuery(entry.text, queryWords(key)))
          .map((entry) => entry.slug),
      ),
    [entries, key],
  );
  const state = useMemo(() => ({ shown }), [shown]);
  return (
    <FilterContext.Provider value={state}>
      {entries.length > 0 && (
        <div className="mt-6">
          <label htmlFor="catalog-search" className="sr-only">
            Search lessons
          </label>
          <input
            id="catalog-search"
            type="search"
            value={query}
            onChange={(event) => {
              setQuery(event.target.value);
            }}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setQuery('');
            }}
            placeholder="Search lessons by title, topic, difficulty or course"
            autoComplete="off"
            className="w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 placeholder:text-zinc-500 focus-visible:outline-2 focus-visible:outline-emerald-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-400"
          />
        </div>
      )}
      {children}
      {entries.length > 0 && shown.size === 0 && (
        <p
          role="status"
          className="mt-8 rounded-xl border border-dashed border-zinc-300 p-8 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
        >
          No lessons match “{query.trim()}”.{' '}
          <button
            type="button"
            onClick={() => {
              setQuery('');
            }}
            className="font-medium text-emerald-700 underline underline-offset-2 dark:text-emerald-400"
          >
            Clear the search
          </button>
        </p>
      )}
    </FilterContext.Provider>
  );
}

/** One card, left out while the query does not match it. */
export function FilterItem({ slug, children }: { slug: string; children: ReactNode }) {
  return useFilter().shown.has(slug) ? children : null;
}

/** A course section, hidden when none of its cards match. */
export function FilterSection({ slugs, children }: { slugs: string[]; children: ReactNode }) {
  const { shown } = useFilter();
  return slugs.some((slug) => shown.has(slug)) ? children : null;
}
