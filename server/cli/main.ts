/**
 * `nestbox` command-line entry: parses the subcommand and turns known errors into one clear
 * line instead of a stack trace.
 */
import { ConfigError } from '../config.js';
import { SandboxError } from '../sandbox/index.js';
import { doctor } from './doctor.js';
import { buildImageCommand, imageStatusCommand } from './image.js';
import { scenarioCommand } from './scenario.js';
import { shell } from './shell.js';
import { start } from './start.js';

const USAGE = `Usage: nestbox <command>

Commands:
  start [--dev]        Install what is missing, build the image on first run, and serve the lab.
  image build          Build (or rebuild) the sandbox image, showing progress.
  image status         Say whether the image is ready (exit 0) or not (exit 1).
  scenario check [DIR...]
                       Lint scenarios: file:line errors and warnings, without starting anything.
  scenario test [DIR...]
                       Prove each scenario passable: per step, verify fails, solve runs, verify passes.
  doctor               Check this machine: cgroups, crun, user namespaces, image, console helper.
  shell [-- CMD...]    A sandboxed shell in this terminal; with CMD, run it and exit with its status.

Configuration comes from environment variables; see README.md.`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start({ dev: rest.includes('--dev') });
    case 'image':
      if (rest[0] === 'build') return buildImageCommand();
      if (rest[0] === 'status') return imageStatusCommand();
      break;
    case 'scenario': {
      const status = await scenarioCommand(rest);
      if (status !== undefined) return status;
      break;
    }
    case 'doctor':
      return doctor();
    case 'shell': {
      const separator = rest.indexOf('--');
      return shell(separator === -1 ? [] : rest.slice(separator + 1));
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
  }
  console.error(`nestbox: unknown command "${argv.join(' ')}"\n\n${USAGE}`);
  return 2;
}

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof SandboxError)) throw error;
  console.error(`nestbox: ${error.message}`);
  code = 1;
}
// A command is finished when it returns. Next's dev server leaves a Turbopack worker and file
// watchers running after its close(), which would otherwise keep `start --dev` alive forever.
process.exit(code);
