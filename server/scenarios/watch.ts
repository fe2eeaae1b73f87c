/**
 * Tells when anything in a scenario folder changes, for hot reload in development: editors
 * save in bursts (a temp file, a rename, a chmod), so events are coalesced into one call.
 *
 * A watch follows the folder it started on. When that folder is deleted or replaced (`rm -rf`
 * and a fresh copy, a `git checkout` that recreates it), the old watch goes quiet for good, so
 * that is reported as the end of the watch; the caller then starts again on the new folder.
 */
import { watch, type FSWatcher } from 'node:fs';
import { lstat } from 'node:fs/promises';

const SETTLE_MS = 100;

/**
 * Which folder is at the path: its inode and birth time (a folder deleted and made again often
 * gets the same inode back), or undefined when no folder is there.
 */
async function folderIdentity(folder: string): Promise<string | undefined> {
  try {
    const stats = await lstat(folder);
    return stats.isDirectory() ? `${stats.ino}@${stats.birthtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onChange` after changes under `folder` settle, and `onGone` once if the folder itself
 * disappears or is replaced (after which nothing more is called). Returns the function that
 * stops watching.
 */
export function watchFolder(
  folder: string,
  onChange: () => void,
  onGone: () => void = () => undefined,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watcher: FSWatcher | undefined;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    watcher?.close();
  };
  const identity = folderIdentity(folder);
  const settled = () => {
    void Promise.all([identity, folderIdentity(folder)]).then(([before, now]) => {
      if (stopped) return;
      if (before !== undefined && before === now) {
        onChange();
        return;
      }
      stop();
      onGone();
    });
  };
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(settled, SETTLE_MS);
  };
  try {
    watcher = watch(folder, { recursive: true }, changed);
    watcher.on('error', () => {
      if (stopped) return;
      stop();
      onGone();
    });
  } catch {
    // Nothing to watch: the folder does not exist. The page is a 404 until a reload anyway.
  }
  return stop;
}
