/**
 * The whole product in Debian's Chromium: catalog, lesson page, and a real sandboxed terminal.
 */
import { readdirSync } from 'node:fs';
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { openStore } from '../server/store/index.js';
import { terminalText } from './browser.js';
import { labAndBrowserForThisFile } from './lab-and-browser.js';

// A run directory and uid base of its own, so this server's start-up reaping never touches the
// sandboxes of another lab or test on the same machine.
const LAB_ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-e2e',

  NESTBOX_CGROUP_PARENT: 'nestbox-e2e',
  NESTBOX_ID_BASE: '1500000000',
  // Every page here comes from one address; closed pages keep their sessions for a reload.
  NESTBOX_MAX_SESSIONS_PER_CLIENT: '20',
};
const config = loadConfig({ ...process.env, ...LAB_ENV });
const { lab, browser } = labAndBrowserForThisFile(LAB_ENV);

/** Types a command into the terminal and waits until the screen matches `pattern`. */
async function typeAndWaitFor(
  page: Page,
  command: string,
  pattern: RegExp,
): Promise<RegExpExecArray> {
  await page.keyboard.type(`${command}\n`);
  const found: { match?: RegExpExecArray | null } = {};
  await expect
    .poll(async () => (found.match = pattern.exec(await terminalText(page))), { timeout: 10_000 })
    .not.toBeNull();
  if (!found.match) throw new Error(`the terminal never showed ${String(pattern)}`);
  return found.match;
}

describe('the lesson page', () => {
  it('lists the scenario in the catalog and opens it', async () => {
    const page = await browser().newPage();
    await page.goto(lab().url);
    // The course from structure.json comes first, its lessons in course order.
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).first().innerText())
      .toBe('Container isolation: namespaces and cgroups');
    const courseCards = page.locator('section[aria-labelledby="course-title"] h3');
    expect(await courseCards.allInnerTexts()).toEqual([
      'What a container can see: Linux namespaces',
      'Metering and limiting CPU and memory with cgroups',
      'PID limits vs fork bombs',
      'Why not --privileged',
    ]);
    await page.getByRole('link', { name: /Your first sandbox/ }).click();
    await page.waitForURL(/\/learn\/hello-sandbox$/);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).first().innerText())
      .toMatch(/first sandbox/i);
    await page.close();
  });

  it('fits the terminal to its pane, and a window resize reaches stty size', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    // The page itself never scrolls on a desktop: each pane scrolls on its own.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(
      800,
    );

    const sttySize = async (): Promise<[number, number]> => {
      const match = await typeAndWaitFor(page, 'clear; stty size', /^(\d+) (\d+)$/m);
      return [Number(match[1]), Number(match[2])];
    };
    await page.getByTestId('terminal').click();
    const [rows, cols] = await sttySize();
    expect(rows).toBeGreaterThan(20);
    expect(cols).toBeGreaterThan(60);

    await page.setViewportSize({ width: 1100, height: 600 });
    await expect
      .poll(
        async () => {
          const [newRows, newCols] = await sttySize();
          return newRows < rows && newCols < cols;
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    await page.close();
  });

  it('gives a real sandboxed shell: hostname shows the lab hostname', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect
      .poll(() => page.getByTestId('terminal-status').getAttribute('data-state'), {
        timeout: 20_000,
      })
      .toBe('live');
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);

    await page.getByTestId('terminal').click();
    await page.keyboard.type('hostname\n');
    await expect
      .poll(async () => (await terminalText(page)).split('\n').map((line) => line.trim()), {
        timeout: 10_000,
      })
      .toContain(config.hostname);
    await page.screenshot({ path: 'test-results/lesson.png' });
    await page.close();
  });

  it('opens a second terminal in the same sandbox (it sees a file made in the first), and runs code actions in the named one', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    await page.getByTestId('terminal').click();
    const [, firstPid] = await typeAndWaitFor(
      page,
      'echo from-t1 > /root/made-in-t1; echo "first $$ $(hostname)"',
      /first (\d+) nestbox/,
    );

    await page.getByRole('button', { name: 'Open another terminal' }).click();
    await expect
      .poll(() => terminalText(page, 'terminal-2'), { timeout: 20_000 })
      .toMatch(/root@nestbox/);
    // A lesson's {{exec T2}} action: Ctrl-C first, then the command and Enter, in terminal 2.
    await page.evaluate(() => {
      window.dispatchEvent(
        new CustomEvent('nestbox:exec', {
          detail: {
            command: 'echo "second $$"; ps -e -o comm= | grep -c bash; cat /root/made-in-t1',
            terminal: 2,
            interrupt: true,
            newline: true,
          },
        }),
      );
    });
    // Same sandbox: both shells in one PID namespace, and T1's file is there.
    await expect
      .poll(() => terminalText(page, 'terminal-2'))
      .toMatch(/second (\d+)\s+2\s+from-t1\b/);
    const secondPid = /second (\d+)/.exec(await terminalText(page, 'terminal-2'))?.[1];
    expect(secondPid).not.toBe(firstPid);

    await page.getByRole('tab', { name: 'Terminal 1' }).click();
    await expect.poll(() => page.getByTestId('terminal').isVisible()).toBe(true);
    await page.close();
  });

  it('resets the environment to a fresh sandbox after confirmation', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    await page.getByTestId('terminal').click();
    // ls's own line: the echoed command line already holds "left-behind" before it runs.
    await typeAndWaitFor(page, 'touch /root/left-behind; ls /root', /^left-behind$/m);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reset' }).click();
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).not.toMatch(/left-behind/);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    await page.getByTestId('terminal').click();
    await typeAndWaitFor(page, 'ls -A /root | wc -l', /^0$/m);
    await page.close();
  });

  it('checks a step in the sandbox: a hint first, then success, and resumes there after a reload', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).innerText())
      .toBe('Leave a note');

    await page.getByRole('button', { name: 'Check' }).click();
    await expect
      .poll(() => page.getByTestId('check-hint').innerText())
      .toMatch(/no ~\/note.txt yet/);
    expect(await page.getByRole('button', { name: 'Next' }).count()).toBe(1);

    await page.getByTestId('terminal').click();
    await typeAndWaitFor(
      page,
      'echo "I am $(id -un) on $(hostname)" > ~/note.txt; echo saved',
      /^saved$/m,
    );
    await page.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => page.getByTestId('check-passed').isVisible()).toBe(true);
    await expect
      .poll(() => page.getByTestId('progress-text').innerText())
      .toBe('2 of 2 steps done');

    await page.reload();
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).innerText())
      .toBe('Leave a note');
    await expect
      .poll(() => page.getByTestId('progress-text').innerText())
      .toBe('2 of 2 steps done');
    // Server and pages both kept it in the lab's NESTBOX_DB, not the data directory's database.
    const store = openStore(lab().databasePath);
    try {
      const saved = store.allProgress().find((entry) => entry.scenario === 'hello-sandbox');
      expect(saved?.passedSteps).toContain(2);
    } finally {
      store.close();
    }
    await page.close();
  });

  it("runs a lesson's {{exec}} command in the terminal with its Run button", async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/cgroups-cpu`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await expect
      .poll(() => terminalText(page), { timeout: 10_000 })
      .toMatch(/cat \/proc\/self\/cgroup\s+[\s\S]*\d+:pids:\//);
    await page.close();
  });

  it('re-attaches to the running sandbox, with its scrollback, after a reload', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);
    await page.getByTestId('terminal').click();
    const [, pid] = await typeAndWaitFor(
      page,
      'echo "shell $$"; echo marker-$((40+2))',
      /shell (\d+)/,
    );
    await expect.poll(() => terminalText(page)).toMatch(/marker-42/);
    const bundlesBefore = readdirSync(`${config.runDir}/bundles`);

    await page.reload();
    await expect
      .poll(() => page.getByTestId('terminal-status').getAttribute('data-state'), {
        timeout: 20_000,
      })
      .toBe('live');
    // The same shell (same pid), and the earlier output replayed from the server's buffer.
    await expect.poll(() => terminalText(page)).toMatch(/marker-42/);
    await page.getByTestId('terminal').click();
    await typeAndWaitFor(page, 'echo "again $$"', new RegExp(`again ${pid ?? ''}\\b`));
    expect(readdirSync(`${config.runDir}/bundles`)).toEqual(bundlesBefore);
    await expect.poll(() => page.getByTestId('time-left').innerText()).toMatch(/^\d+:\d\d left$/);
    await page.close();
  });

  it('counts what happened in /metrics for operators on this machine', async () => {
    const text = await (await fetch(`${lab().url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(value('nestbox_sessions_created_total')).toBeGreaterThanOrEqual(4);
    expect(value('nestbox_terminal_bytes_in_total')).toBeGreaterThan(0);
    expect(value('nestbox_terminal_bytes_out_total')).toBeGreaterThan(
      value('nestbox_terminal_bytes_in_total'),
    );
    expect(text).toMatch(/^nestbox_sandbox_start_seconds_count [1-9]\d*$/m);
  });
});
