import { join, resolve } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * NESTBOX_DATA_DIR: where the image and the progress database live; default /var/lib/nestbox.
 * Its own module (no imports of ours) so the pages, which Next compiles apart from the server,
 * can find the database without pulling in the server's configuration.
 */
export function dataDir(env: Env = process.env): string {
  const configured = env.NESTBOX_DATA_DIR;
  return resolve(configured !== undefined && configured !== '' ? configured : '/var/lib/nestbox');
}

/**
 * NESTBOX_DB: the progress database file; default <data dir>/nestbox.db. Apart from the data
 * directory so that tests and benchmarks can use the real image with a throwaway database.
 */
export function databasePath(env: Env = process.env): string {
  const configured = env.NESTBOX_DB;
  return configured !== undefined && configured !== ''
    ? resolve(configured)
    : join(dataDir(env), 'nestbox.db');
}
