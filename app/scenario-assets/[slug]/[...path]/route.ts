import { scenariosDir } from '@/server/scenarios/catalog';
import { serveScenarioImage } from '@/server/scenarios/images';

/** Images of a scenario folder, for its lesson pages (server/scenarios/images.ts). */
export async function GET(
  _request: Request,
  { params }: { params: Promise<{ slug: string; path: string[] }> },
): Promise<Response> {
  const { slug, path } = await params;
  return serveScenarioImage(scenariosDir(), slug, path);
}
