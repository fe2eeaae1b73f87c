/**
 * Tells when anything in a scenario folder changes, for hot reload in development: editors
 * save in bursts (a temp file, a rename, a chmod), so events are coalesced into one call.
 */
import { watch, type FSWatcher } from 'node:fs';

const SETTLE_MS = 100;

/** Calls `onChange` after changes under `folder` settle; returns the function that stops. */
export function watchFolder(folder: string, onChange: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watcher: FSWatcher | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, SETTLE_MS);
  };
  try {
    watcher = watch(folder, { recursive: true }, changed);
    // A folder that disappears (renamed, deleted) ends the watch; the page then shows a 404.
    watcher.on('error', () => {
      watcher?.close();
    });
  } catch {
    // Nothing to watch: the folder does not exist. The page is a 404 until a reload anyway.
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
