// Compiles the console relay (server/sandbox/relay/relay.c) with the system C compiler.
// Runs on `npm install`. A missing compiler is reported, not fatal: `nestbox start` installs one
// when it can and builds the relay then.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../server/sandbox/relay/relay.c', import.meta.url));
const output = fileURLToPath(new URL('../server/sandbox/relay/nestbox-relay', import.meta.url));
const compiler = process.env.CC || 'cc';

const result = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-o', output, source], {
  stdio: 'inherit',
});
if (result.error?.code === 'ENOENT') {
  console.warn(
    `nestbox: no C compiler ("${compiler}") found, so the console relay was not built.\n` +
      'nestbox: install one with: apt-get install -y gcc   then run: npm run build:relay',
  );
  process.exit(process.argv.includes('--strict') ? 1 : 0);
}
if (result.status !== 0) {
  console.error(`nestbox: compiling ${source} failed (exit ${result.status ?? 'signal'}).`);
  process.exit(1);
}
console.log(`nestbox: built ${output}`);
