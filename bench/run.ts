/**
 * `npm run bench -- <benchmark> [flags]`: runs one benchmark by name. Each lives in its own
 * folder and is loaded only when asked for, so one benchmark's dependencies never load for another.
 */
type Benchmark = (argv: string[]) => Promise<number>;

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  terminal: async () => (await import('./terminal/main.js')).runTerminalBench,
  sandbox: async () => (await import('./sandbox/main.js')).runSandboxBench,
  soak: async () => (await import('./soak/main.js')).runSoakBench,
  page: async () => (await import('./page/main.js')).runPageBench,
};

const [benchmark, ...argv] = process.argv.slice(2);
const load = benchmark === undefined ? undefined : BENCHMARKS[benchmark];
if (load) {
  process.exitCode = await (await load())(argv);
} else {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [flags]`);
  process.exitCode = 2;
}

// Top-level await needs a module, and this file imports nothing statically.
export {};
