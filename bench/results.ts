/**
 * Where benchmarks keep their results: bench/results/<name>-<time>.json (ignored by git) and a
 * copy as <name>-latest.json (committed), formatted as the repository's prettier would, with
 * the machine it ran on.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';

const RESULTS_DIR = fileURLToPath(new URL('results/', import.meta.url));

/** Writes the result document; resolves with the timestamped file's path. */
export async function writeResults(
  benchmark: string,
  startedAt: Date,
  body: Record<string, unknown>,
): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const file = `${RESULTS_DIR}${benchmark}-${stamp}.json`;
  const latest = `${RESULTS_DIR}${benchmark}-latest.json`;
  const document = {
    benchmark,
    startedAt: startedAt.toISOString(),
    machine: {
      cpus: cpus().length,
      memoryBytes: totalmem(),
      kernel: release(),
      node: process.version,
    },
    ...body,
  };
  const config = (await resolveConfig(latest)) ?? {};
  await writeFile(file, await format(JSON.stringify(document), { ...config, filepath: latest }));
  await copyFile(file, latest);
  return file;
}
