import { join } from 'node:path';
import { dataDir } from '../data-dir';
import { openStore, type Store } from './index';

/**
 * The store of this process, opened on first use at <data dir>/nestbox.db. The server and the
 * pages that Next renders are compiled separately, so each gets its own connection to the one
 * file; SQLite (in WAL mode) is made for exactly that.
 */
const holder = globalThis as typeof globalThis & { nestboxStore?: Store };

export function sharedStore(): Store {
  holder.nestboxStore ??= openStore(join(dataDir(), 'nestbox.db'));
  return holder.nestboxStore;
}
