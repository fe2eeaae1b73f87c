/**
 * Relative links in lesson markdown (images, mostly) point at files of the scenario folder.
 * Killercoda authors write them relative to the markdown file (`step1/text.md` linking
 * `diagram.png`), Katacoda authors relative to the folder (`./assets/diagram.png`), so both are
 * tried, in that order.
 */

export type LinkTarget =
  { kind: 'external' } | { kind: 'local'; path: string } | { kind: 'missing'; path: string };

/** `{{TRAFFIC_HOST1_80}}` and `{{TRAFFIC_SELECTOR}}`: Killercoda's links to ports in the VM. */
export const TRAFFIC_PLACEHOLDER = /\{\{TRAFFIC_(?:HOST\d+_\d+|SELECTOR)\}\}/g;

/** Resolves `a/../b` and `./c` within the folder; undefined if it would leave the folder. */
function normalise(path: string): string | undefined {
  const kept: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (kept.length === 0) return undefined;
      kept.pop();
      continue;
    }
    kept.push(part);
  }
  return kept.length === 0 ? undefined : kept.join('/');
}

function decode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function resolveLink(url: string, pageFile: string, files: readonly string[]): LinkTarget {
  // A scheme (https:, data:), a protocol-relative or site-absolute URL, or an in-page anchor.
  if (/^[a-z][a-z\d+.-]*:/i.test(url) || url.startsWith('/') || url.startsWith('#')) {
    return { kind: 'external' };
  }
  if (url.trim() === '' || new RegExp(TRAFFIC_PLACEHOLDER.source).test(decode(url))) {
    return { kind: 'external' };
  }
  const path = decode(url.replace(/[?#].*$/, ''));
  const folder = pageFile.includes('/') ? pageFile.slice(0, pageFile.lastIndexOf('/') + 1) : '';
  const candidates = [normalise(folder + path), normalise(path)];
  const found = candidates.find(
    (candidate) => candidate !== undefined && files.includes(candidate),
  );
  if (found !== undefined) return { kind: 'local', path: found };
  return { kind: 'missing', path: candidates[0] ?? path };
}

/** Image files the lesson pages may show; the assets route serves only these. */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
};

export function imageType(path: string): string | undefined {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return path.includes('.') ? IMAGE_TYPES[extension] : undefined;
}

/** The URL the lesson page uses for a file of a scenario folder (see app/scenario-assets). */
export function assetUrl(slug: string, path: string): string {
  return `/scenario-assets/${slug}/${path.split('/').map(encodeURIComponent).join('/')}`;
}
