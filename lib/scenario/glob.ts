/**
 * The small glob dialect of Killercoda's `assets[].file`: `*` and `?` within one path segment,
 * `**` across segments, `{a,b}` alternatives. Paths use `/` and are relative to `assets/`.
 */

const SPECIAL = /[.+^$()|[\]\\]/;

function translate(pattern: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` may also match nothing, so `a/**/b` matches `a/b`.
        if (pattern[i + 1] === '/') {
          i++;
          out += '(?:.*/)?';
        } else {
          out += '.*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (char === '?') {
      out += '[^/]';
    } else if (char === '{') {
      braces++;
      out += '(?:';
    } else if (char === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (char === ',' && braces > 0) {
      out += '|';
    } else {
      out += SPECIAL.test(char) ? `\\${char}` : char;
    }
  }
  return out + ')'.repeat(braces);
}

export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${translate(pattern.replace(/^\.\//, '').replace(/\/+$/, ''))}$`);
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
  const regexp = globToRegExp(pattern);
  const matched = [...foldersOf(files), ...files].filter((path) => regexp.test(path)).sort();
  return matched.filter(
    (path) => !matched.some((other) => other !== path && path.startsWith(`${other}/`)),
  );
}
