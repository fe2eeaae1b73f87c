/**
 * Which catalog cards a search query keeps. Every word of the query must appear somewhere in the
 * card's text (title, description, difficulty, course), in any order and case, so "cgroup easy"
 * narrows rather than widens.
 */

/** The lower-cased words of a query; an empty list keeps everything. */
export function queryWords(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
}

/** True when every query word occurs in `text`. */
export function matchesQuery(text: string, words: readonly string[]): boolean {
  const haystack = text.toLowerCase();
  return words.every((word) => haystack.includes(word));
}
