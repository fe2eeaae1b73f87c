/**
 * The small glob dialect of Killercoda's `assets[].file`: `*` and `?` within one path segment,
 * `**` across segments, `{a,b}` alternatives. Paths use `/` and are relative to `assets/`.
 *
 * Matching walks all positions of the pattern at once (a set of states, one pass over the
 * path), so it takes pattern × path steps whatever the pattern. A regular expression would
 * backtrack: `**a**a**a**b` against a long name of `a`s ran for minutes and blocked the server,
 * which parses scenarios on every page load.
 */

type Token =
  | { kind: 'char'; char: string }
  /** `?`: one character other than `/`. */
  | { kind: 'one' }
  /** `*`: any run of characters other than `/`. */
  | { kind: 'star' }
  /** `**`: any run of characters. */
  | { kind: 'any' }
  /**
   * The start of `**\/`, which matches nothing or anything ending in `/` (so `a/**\/b` matches
   * `a/b`). It consumes nothing: it either enters the `any` and `/` after it or skips both.
   */
  | { kind: 'optional'; length: 2 };

/** Brace alternatives multiply; past this many a pattern keeps only the first ones. */
const MAX_ALTERNATIVES = 64;

/**
 * The longest pattern a scenario may give (assets.ts reports a longer one at its line). Parsing
 * nests once per `{`, so this also bounds the recursion: 20 000 nested braces overflowed the
 * stack, and the page that lists scenarios parses every one of them.
 */
export const MAX_PATTERN_LENGTH = 512;

interface Parsed {
  alternatives: Token[][];
  end: number;
  /** What ended the sequence: a `,` or `}` of the enclosing braces, or the end of the text. */
  stop: ',' | '}' | undefined;
}

/** Every head followed by every tail, up to MAX_ALTERNATIVES: built no further than kept. */
function combine(heads: Token[][], tails: Token[][]): Token[][] {
  const combined: Token[][] = [];
  for (const head of heads) {
    for (const tail of tails) {
      if (combined.length === MAX_ALTERNATIVES) return combined;
      combined.push([...head, ...tail]);
    }
  }
  return combined;
}

/** The tokens of `pattern` from `start`, inside `depth` braces; braces become alternatives. */
function parseSequence(pattern: string, start: number, depth: number): Parsed {
  let alternatives: Token[][] = [[]];
  const append = (...tokens: Token[]) => {
    alternatives = alternatives.map((tokensSoFar) => [...tokensSoFar, ...tokens]);
  };
  let i = start;
  while (i < pattern.length) {
    const char = pattern.charAt(i);
    if (depth > 0 && (char === ',' || char === '}')) return { alternatives, end: i, stop: char };
    if (char === '{') {
      const options: Token[][] = [];
      let next = i + 1;
      for (;;) {
        const option = parseSequence(pattern, next, depth + 1);
        options.push(...option.alternatives.slice(0, MAX_ALTERNATIVES - options.length));
        next = option.end + 1;
        // An unclosed `{` runs to the end of the pattern.
        if (option.stop !== ',') break;
      }
      alternatives = combine(alternatives, options);
      i = next;
      continue;
    }
    if (char === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        append({ kind: 'optional', length: 2 }, { kind: 'any' }, { kind: 'char', char: '/' });
        i += 3;
      } else {
        append({ kind: 'any' });
        i += 2;
      }
      continue;
    }
    if (char === '*') append({ kind: 'star' });
    else if (char === '?') append({ kind: 'one' });
    else append({ kind: 'char', char });
    i++;
  }
  return { alternatives, end: i, stop: undefined };
}

/** Adds the states reachable from `states` without consuming a character. */
function close(tokens: readonly Token[], states: Set<number>): Set<number> {
  // Edges only go forward, so one pass in index order reaches everything.
  for (let state = 0; state < tokens.length; state++) {
    if (!states.has(state)) continue;
    const token = tokens[state];
    if (token?.kind === 'star' || token?.kind === 'any') states.add(state + 1);
    if (token?.kind === 'optional') {
      states.add(state + 1);
      states.add(state + 1 + token.length);
    }
  }
  return states;
}

function matches(tokens: readonly Token[], path: string): boolean {
  let states = close(tokens, new Set([0]));
  for (const char of path) {
    const next = new Set<number>();
    for (const state of states) {
      const token = tokens[state];
      if (token === undefined) continue;
      if (token.kind === 'char' && token.char === char) next.add(state + 1);
      else if (token.kind === 'one' && char !== '/') next.add(state + 1);
      else if (token.kind === 'star' && char !== '/') next.add(state);
      else if (token.kind === 'any') next.add(state);
    }
    if (next.size === 0) return false;
    states = close(tokens, next);
  }
  return states.has(tokens.length);
}

/** A test for whole paths; `./` before and `/` after the pattern mean nothing. */
export function globMatcher(pattern: string): (path: string) => boolean {
  const trimmed = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  const { alternatives } = parseSequence(trimmed, 0, 0);
  return (path) => alternatives.some((tokens) => matches(tokens, path));
}

/** Every folder that holds one of `files` (`a/b/c` gives `a` and `a/b`). */
export function foldersOf(files: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const file of files) {
    const parts = file.split('/');
    for (let depth = 1; depth < parts.length; depth++) {
      folders.add(parts.slice(0, depth).join('/'));
    }
  }
  return [...folders].sort();
}

/**
 * The files and folders among `files` (and their folders) that `pattern` matches, leaving out
 * any inside another match: a matched folder is copied whole.
 */
export function matchGlob(pattern: string, files: readonly string[]): string[] {
  const test = globMatcher(pattern);
  const matched = [...foldersOf(files), ...files].filter(test).sort();
  const matchedFolders = new Set(matched);
  return matched.filter((path) => !foldersOf([path]).some((folder) => matchedFolders.has(folder)));
}
