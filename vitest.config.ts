import { defineConfig } from 'vitest/config';

/**
 * Three projects, run in this order by scripts/test.ts:
 * - unit: pure code, colocated `*.test.ts`, fast, no root needed;
 * - integration: real crun sandboxes and real ptys (`*.integration.test.ts`), run as root;
 * - e2e: the real server driven by Debian's Chromium (`e2e/*.e2e.test.ts`).
 * Integration and e2e files run one at a time: they share the machine's 2 cores and cgroups.
 * Their polls wait up to 10 s, not vitest's 1 s: what they wait for often runs in a sandbox, and
 * sandboxes yield the CPU to the host's own processes (the browser, the test runner).
 */
export default defineConfig({
  test: {
    fileParallelism: false,
    // Removes the empty run directories and parent cgroups the test labs made.
    globalSetup: ['scripts/test-leftovers.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,server,app}/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['server/**/*.integration.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          expect: { poll: { timeout: 10_000 } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          expect: { poll: { timeout: 10_000 } },
        },
      },
    ],
  },
});
