/**
 * Starts the real lab server (server/main.ts, production pages) on a free port for browser
 * tests, on a temporary progress database of its own, and stops it with SIGTERM the way an
 * operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { temporaryDatabase } from '../server/store/temporary.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RunningLab {
  url: string;
  process: ChildProcess;
  /** NESTBOX_DB of this server: removed once it has exited. */
  databasePath: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export async function startLabServer(env: Record<string, string> = {}): Promise<RunningLab> {
  const port = await freePort();
  const database = temporaryDatabase();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...env,
      NESTBOX_DB: database.path,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => {
    database.remove();
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`lab server did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = (): void => {
      if (output.includes('lab ready at')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lab server exited with ${code ?? 'a signal'}:\n${output}`));
    });
  });

  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      resolve(code);
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    databasePath: database.path,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
