/**
 * The configuration of a lab that a test or a benchmark starts on the real image: this process's
 * environment with `env` on top, listening on 127.0.0.1 on a free port, with a progress database
 * of its own so that its learners never reach the lab's. The caller removes the database.
 */
import { loadConfig, type Config } from './config.js';
import { temporaryDatabase, type TemporaryDatabase } from './store/temporary.js';

export function scratchLabConfig(env: Record<string, string>): {
  config: Config;
  database: TemporaryDatabase;
} {
  const database = temporaryDatabase();
  const config = loadConfig({
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    NESTBOX_DB: database.path,
    ...env,
  });
  return { config, database };
}
