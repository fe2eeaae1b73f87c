/**
 * `nestbox start` (and `npm start`): makes this machine ready, then serves the lab.
 * Each step says what it does, so a first start that installs packages and builds the image
 * (about a minute) never looks stuck.
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../config.js';
import { runServer } from '../main.js';
import { buildImage } from '../sandbox/image.js';
import { findExecutable } from '../sandbox/executables.js';
import { checkSystem, type Check } from './prerequisites.js';

const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));

function say(message: string): void {
  console.log(`nestbox: ${message}`);
}

function runVisible(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', cwd: PROJECT_DIR });
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve(code ?? 1);
    });
  });
}

/** Installs what apt can provide. Returns the checks that still fail afterwards. */
async function installMissingPackages(config: Config, checks: Check[]): Promise<Check[]> {
  const packages = [
    ...new Set(
      checks.flatMap((check) => (check.ok || !check.aptPackage ? [] : [check.aptPackage])),
    ),
  ];
  if (packages.length === 0) return checks;
  const apt = await findExecutable('apt-get');
  if (!apt || process.getuid?.() !== 0) return checks;
  say(`installing ${packages.join(' ')} with apt-get...`);
  if (
    (await runVisible(apt, ['update'])) !== 0 ||
    (await runVisible(apt, ['install', '-y', ...packages])) !== 0
  ) {
    say('apt-get failed; see its output above.');
    return checks;
  }
  return checkSystem(config);
}

/** Newest modification time of any file under `path` (skipping node_modules and .next). */
async function newestChange(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(
    entries
      .filter((name) => name !== 'node_modules' && name !== '.next')
      .map((name) => newestChange(join(path, name))),
  );
  return Math.max(info.mtimeMs, ...times);
}

/** Builds the Next.js pages when there is no build yet or the page sources changed since. */
async function ensurePagesBuilt(): Promise<boolean> {
  const built =
    (await stat(join(PROJECT_DIR, '.next', 'BUILD_ID')).catch(() => undefined))?.mtimeMs ?? 0;
  const sources = await Promise.all(
    ['app', 'lib', 'public', 'next.config.ts', 'package-lock.json'].map((name) =>
      newestChange(join(PROJECT_DIR, name)),
    ),
  );
  if (built > Math.max(...sources)) return true;
  say('building the web pages (next build)...');
  return (
    (await runVisible(process.execPath, [
      join(PROJECT_DIR, 'node_modules/next/dist/bin/next'),
      'build',
    ])) === 0
  );
}

export async function start(options: { dev: boolean }): Promise<number> {
  const config = loadConfig();
  say('checking this machine...');
  let checks = await installMissingPackages(config, await checkSystem(config));

  if (checks.some((check) => check.name === 'console helper' && !check.ok)) {
    const compiled = await runVisible(process.execPath, [
      join(PROJECT_DIR, 'scripts/build-console.mjs'),
      '--strict',
    ]);
    if (compiled === 0) checks = await checkSystem(config);
  }
  if (
    checks.some((check) => check.name === 'image' && !check.ok) &&
    checks.every((check) => check.name === 'image' || check.ok)
  ) {
    say('building the sandbox image (once; about a minute)...');
    await buildImage(config.dataDir, {
      ...(config.debianMirror ? { mirror: config.debianMirror } : {}),
      onProgress: (line) => {
        say(`image ${line}`);
      },
    });
    checks = await checkSystem(config);
  }

  const missing = checks.filter((check) => !check.ok);
  if (missing.length > 0) {
    for (const check of missing)
      say(`missing ${check.name} (${check.detail}). Fix: ${check.fix ?? 'see nestbox doctor'}`);
    return 1;
  }
  if (!options.dev && !(await ensurePagesBuilt())) {
    say('next build failed; see its output above.');
    return 1;
  }
  return runServer(options);
}
