import { databasePath } from '../data-dir';
import { openStore, type Store } from './index';

/**
 * The pages' store, opened on first use at NESTBOX_DB (default <data dir>/nestbox.db). The
 * server opens its own connection to the same file (Config.databasePath); SQLite (in WAL mode)
 * is made for exactly that.
 */
const holder = globalThis as typeof globalThis & { nestboxStore?: Store };

export function sharedStore(): Store {
  holder.nestboxStore ??= openStore(databasePath());
  return holder.nestboxStore;
}
