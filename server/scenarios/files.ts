/**
 * Reading one file of a scenario folder by a path that came from outside (a URL, index.json):
 * for the lesson images route and for copying assets into sandboxes. The path must stay inside
 * the folder: no `..`, no absolute paths, no dot-files outside assets/, and no symbolic links
 * anywhere on the way, so neither a URL nor a symlink in a folder can reach other host files.
 */
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ASSETS_DIR, isValidSlug } from '../../lib/scenario/index';

export type FileRead =
  { ok: true; body: Buffer } | { ok: false; reason: 'invalid' | 'not-found' | 'too-large' };

/** The path as safe segments, or undefined when it could mean anything outside the folder. */
function safeSegments(path: string): string[] | undefined {
  const segments = path.split('/');
  const valid = segments.every(
    (segment, index) =>
      segment !== '' &&
      segment !== '.' &&
      segment !== '..' &&
      !/[\\\0]/.test(segment) &&
      // Dot-files are skipped everywhere except inside assets/, as the catalog does.
      (!segment.startsWith('.') || (segments[0] === ASSETS_DIR && index > 0)),
  );
  return valid && segments.length > 0 ? segments : undefined;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}

/** Reads `path` (relative, '/'-separated) in scenario `slug` of `dir`, at most `maxBytes`. */
export async function readScenarioFile(
  dir: string,
  slug: string,
  path: string,
  maxBytes: number,
): Promise<FileRead> {
  const segments = safeSegments(path);
  if (!isValidSlug(slug) || segments === undefined) return { ok: false, reason: 'invalid' };
  try {
    // lstat each step, so a symlinked folder on the way is refused too.
    let current = join(dir, slug);
    for (const [index, segment] of [slug, ...segments].entries()) {
      if (index > 0) current = join(current, segment);
      const stats = await lstat(current);
      const last = index === segments.length;
      if (last ? !stats.isFile() : !stats.isDirectory()) return { ok: false, reason: 'not-found' };
      if (last && stats.size > maxBytes) return { ok: false, reason: 'too-large' };
    }
    // O_NOFOLLOW: a file swapped for a symlink since the lstat is refused, not followed.
    const handle = await open(current, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return { ok: true, body: await handle.readFile() };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isMissing(error)) return { ok: false, reason: 'not-found' };
    throw error;
  }
}
