/**
 * The hot-reload event streams behind GET /scenario-events/<slug> (development only, see
 * app/scenario-events): a server-sent `data: changed` each time a file of the scenario changes.
 *
 * Every open lesson tab holds a stream, and a script can open them in a loop, so both are
 * bounded: one folder watcher per scenario however many tabs watch it (inotify watches are a
 * host-wide budget), and a cap on streams overall, answered with 503. Route handlers do not see
 * the peer's address, so the cap is global rather than per client; in development the clients
 * are the author's own browsers. Only an existing, non-symlinked scenario folder is watched,
 * so a made-up slug cannot hold a connection open. When the folder is deleted or replaced, its
 * streams end after one last `changed`, and the browser's reconnect watches the new folder.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidSlug } from '../../lib/scenario/index';
import { watchFolder } from './watch';

/** Streams open at once, over all scenarios and clients. */
const MAX_EVENT_STREAMS = 32;
/** A comment this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;

interface Listener {
  changed: () => void;
  /** The folder was deleted or replaced: the stream ends, and the browser reconnects. */
  gone: () => void;
}

interface Watched {
  listeners: Set<Listener>;
  stop: () => void;
}

export class ScenarioEvents {
  private readonly watched = new Map<string, Watched>();
  private streams = 0;

  constructor(
    private readonly dir: string,
    private readonly maxStreams = MAX_EVENT_STREAMS,
  ) {}

  /** Open streams and folder watchers, for tests and diagnostics. */
  get counts(): { streams: number; watchers: number } {
    return { streams: this.streams, watchers: this.watched.size };
  }

  /** Answers one request: a stream until `signal` aborts, or a plain 404 or 503. */
  async open(slug: string, signal: AbortSignal): Promise<Response> {
    if (!isValidSlug(slug) || !(await this.isFolder(slug))) return plain(404, 'Not found');
    if (this.streams >= this.maxStreams) {
      return plain(503, 'Too many hot-reload streams are open; close some lesson tabs.');
    }
    this.streams++;
    const encoder = new TextEncoder();
    let dispose: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        let open = true;
        const send = (text: string) => {
          if (open) controller.enqueue(encoder.encode(text));
        };
        const end = () => {
          const wasOpen = open;
          dispose?.();
          if (wasOpen) controller.close();
        };
        const unsubscribe = this.subscribe(slug, {
          changed: () => {
            send('data: changed\n\n');
          },
          gone: () => {
            send('data: changed\n\n');
            end();
          },
        });
        const heartbeat = setInterval(() => {
          send(': still here\n\n');
        }, HEARTBEAT_MS);
        dispose = () => {
          if (!open) return;
          open = false;
          clearInterval(heartbeat);
          unsubscribe();
          this.streams--;
        };
        if (signal.aborted) end();
        else signal.addEventListener('abort', end, { once: true });
        // `retry`: after the folder is replaced, the browser reconnects to the new one in 1 s.
        send('retry: 1000\n: watching\n\n');
      },
      cancel: () => {
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

  private async isFolder(slug: string): Promise<boolean> {
    try {
      return (await lstat(join(this.dir, slug))).isDirectory();
    } catch {
      return false;
    }
  }

  /** Adds a listener to the scenario's one watcher, starting it for the first listener. */
  private subscribe(slug: string, listener: Listener): () => void {
    let watched = this.watched.get(slug);
    if (watched === undefined) {
      const listeners = new Set<Listener>();
      const stop = watchFolder(
        join(this.dir, slug),
        () => {
          for (const each of listeners) each.changed();
        },
        () => {
          // The next stream for this slug starts a watcher on whatever folder is there then.
          if (this.watched.get(slug)?.listeners === listeners) this.watched.delete(slug);
          for (const each of [...listeners]) each.gone();
        },
      );
      watched = { listeners, stop };
      this.watched.set(slug, watched);
    }
    const entry = watched;
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size > 0) return;
      entry.stop();
      if (this.watched.get(slug) === entry) this.watched.delete(slug);
    };
  }
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/plain' } });
}
