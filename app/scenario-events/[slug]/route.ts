import { join } from 'node:path';
import { isValidSlug } from '@/lib/scenario/parse';
import { scenariosDir } from '@/server/scenarios/catalog';
import { watchFolder } from '@/server/scenarios/watch';

/**
 * GET /scenario-events/<slug>: in development only, a server-sent event each time a file of the
 * scenario changes, so the open lesson page re-renders (HotReload.tsx). Elsewhere a 404: a
 * production server watches nothing.
 */
export const dynamic = 'force-dynamic';

const HEARTBEAT_MS = 25_000;

export async function GET(
  request: Request,
  { params }: { params: Promise<{ slug: string }> },
): Promise<Response> {
  const { slug } = await params;
  if (process.env.NODE_ENV !== 'development' || !isValidSlug(slug)) {
    return new Response('Not found', { status: 404 });
  }
  const encoder = new TextEncoder();
  let dispose: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        controller.enqueue(encoder.encode(text));
      };
      const unwatch = watchFolder(join(scenariosDir(), slug), () => {
        send('data: changed\n\n');
      });
      // A comment now and then keeps proxies from closing an idle stream.
      const heartbeat = setInterval(() => {
        send(': still here\n\n');
      }, HEARTBEAT_MS);
      dispose = () => {
        clearInterval(heartbeat);
        unwatch();
      };
      request.signal.addEventListener('abort', () => {
        dispose?.();
        controller.close();
      });
      send(': watching\n\n');
    },
    cancel() {
      dispose?.();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream',
      // no-transform: compression would hold events back until a buffer fills.
      'cache-control': 'no-cache, no-transform',
    },
  });
}
