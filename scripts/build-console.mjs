// Compiles the console helper (server/sandbox/console/console.c) with the system C compiler.
// Runs on `npm install`. A missing compiler is reported, not fatal: `nestbox start` installs one
// when it can and builds the helper then.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../server/sandbox/console/console.c', import.meta.url));
const output = fileURLToPath(new URL('../server/sandbox/console/nestbox-console', import.meta.url));
const compiler = process.env.CC || 'cc';

const result = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-o', output, source], {
  stdio: 'inherit',
});
if (result.error?.code === 'ENOENT') {
  console.warn(
    `nestbox: no C compiler ("${compiler}") found, so the console helper was not built.\n` +
      'nestbox: install one with: apt-get install -y gcc   then run: npm run build:console',
  );
  process.exit(process.argv.includes('--strict') ? 1 : 0);
}
if (result.status !== 0) {
  console.error(`nestbox: compiling ${source} failed (exit ${result.status ?? 'signal'}).`);
  process.exit(1);
}
console.log(`nestbox: built ${output}`);
