import { resolve } from 'node:path';

/**
 * NESTBOX_DATA_DIR: where the image and the progress database live; default /var/lib/nestbox.
 * Its own module (no imports of ours) so the pages, which Next compiles apart from the server,
 * can find the database without pulling in the server's configuration.
 */
export function dataDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.NESTBOX_DATA_DIR;
  return resolve(configured !== undefined && configured !== '' ? configured : '/var/lib/nestbox');
}
