import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TemporaryDatabase {
  /** For NESTBOX_DB (Config.databasePath). */
  path: string;
  /** Deletes the file with its WAL and its directory. */
  remove(): void;
}

/**
 * A database file of its own, in a fresh temporary directory: tests and benchmarks start the
 * real lab on the real image, but must not write their learners into the lab's progress.
 */
export function temporaryDatabase(): TemporaryDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'nestbox-db-'));
  return {
    path: join(dir, 'nestbox.db'),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
