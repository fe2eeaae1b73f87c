/**
 * GET /scenario-assets/<slug>/<path>: the images lesson pages show (see lib/scenario/links.ts
 * assetUrl). Only image files are served, only from inside that scenario's folder; anything
 * else is a plain 404, whatever the reason, so the route reveals nothing about the host.
 */
import { imageType } from '../../lib/scenario/links';
import { readScenarioFile } from './files';

const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
}

export async function serveScenarioImage(
  dir: string,
  slug: string,
  segments: readonly string[],
): Promise<Response> {
  const path = segments.join('/');
  const type = imageType(path);
  if (type === undefined) return notFound();
  const read = await readScenarioFile(dir, slug, path, MAX_IMAGE_BYTES);
  if (!read.ok) return notFound();
  return new Response(new Uint8Array(read.body), {
    headers: {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      // An SVG opened on its own must not run script or load anything.
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      'cache-control': 'no-cache',
    },
  });
}
