import { scenariosDir } from '@/server/scenarios/catalog';
import { ScenarioEvents } from '@/server/scenarios/events';

/**
 * GET /scenario-events/<slug>: in development only, a server-sent event each time a file of the
 * scenario changes, so the open lesson page re-renders (HotReload.tsx; limits in
 * server/scenarios/events.ts). Elsewhere a 404: a production server watches nothing.
 */
export const dynamic = 'force-dynamic';

let events: ScenarioEvents | undefined;

export async function GET(
  request: Request,
  { params }: { params: Promise<{ slug: string }> },
): Promise<Response> {
  if (process.env.NODE_ENV !== 'development') {
    return new Response('Not found', { status: 404 });
  }
  const { slug } = await params;
  events ??= new ScenarioEvents(scenariosDir());
  return events.open(slug, request.signal);
}
