/**
 * The instructor view and the learner's Resources panel in Debian's Chromium, over a real lab
 * and real sandboxes: the instructor signs in, sees a learner appear in the roster, extends their
 * time, shadows their terminal, resets their sandbox and broadcasts to them; and a fork bomb
 * shows as the learner's pids climbing to the sandbox's pids limit, which holds it.
 */
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { terminalText } from './browser.js';
import { labAndBrowserForThisFile } from './lab-and-browser.js';

// A run directory, cgroup parent and uid base of its own, so this server's start-up reaping never
// touches the sandboxes of another lab or test on the same machine.
const LAB_ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-e2e-instructor',
  NESTBOX_CGROUP_PARENT: 'nestbox-e2e-instructor',
  NESTBOX_ID_BASE: '1820000000',
  // A small ceiling, so the bomb reaches it quickly and the machine is not loaded for long.
  NESTBOX_PIDS_LIMIT: '64',
  NESTBOX_INSTRUCTOR_TOKEN: 'e2e-instructor-token-0123456789',
  // Short sessions, so one 15-minute extension visibly moves the time left.
  NESTBOX_SESSION_MINUTES: '5',
};
const config = loadConfig({ ...process.env, ...LAB_ENV });
const { lab, browser } = labAndBrowserForThisFile(LAB_ENV);

/** The "current / max" reading of the pids graph. */
async function pids(page: Page): Promise<{ current: number; max: number }> {
  const text = await page.getByTestId('resources-pids-reading').innerText();
  const match = /^(\d+) \/ (\d+)$/.exec(text.trim());
  if (!match) throw new Error(`unexpected pids reading "${text}"`);
  return { current: Number(match[1]), max: Number(match[2]) };
}

describe('the instructor roster', () => {
  it('is signed into with the token and shows a learner who opens a lesson', async () => {
    const instructor = await browser().newPage();
    await instructor.goto(`${lab().url}/instructor`);
    await instructor.getByLabel('Instructor token').fill('not-the-token');
    await instructor.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => instructor.getByText('That is not the instructor token.').count())
      .toBe(1);
    await instructor.getByLabel('Instructor token').fill(LAB_ENV.NESTBOX_INSTRUCTOR_TOKEN);
    await instructor.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => instructor.getByTestId('roster').count()).toBe(1);

    const learner = await browser().newPage();
    await learner.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(learner), { timeout: 20_000 }).toMatch(/root@nestbox/);
    const row = instructor.getByTestId('roster').locator('tbody tr', { hasText: 'hello-sandbox' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toMatch(/connected/);
    expect(Number.parseInt(await row.getByTestId('time-left').innerText(), 10)).toBeLessThanOrEqual(
      5,
    );
    await row.getByRole('button', { name: 'Extend' }).click();
    await expect
      .poll(async () => Number.parseInt(await row.getByTestId('time-left').innerText(), 10), {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(14);

    // The shadow view, opened from the roster: the learner is told, and the inline read-only
    // terminal carries what the learner types.
    await row.getByRole('button', { name: /^[\w-]{8}$/ }).click();
    await expect
      .poll(() => instructor.getByTestId('shadow-status').innerText(), { timeout: 10_000 })
      .toBe('live');
    await expect
      .poll(() => learner.getByTestId('instructor-viewing').count(), { timeout: 10_000 })
      .toBe(1);
    await learner.getByTestId('terminal').click();
    await learner.keyboard.type('echo typed-$((6*7)) >/tmp/before-reset; cat /tmp/before-reset\n');
    await expect
      .poll(() => terminalText(instructor, 'shadow-terminal'), { timeout: 10_000 })
      .toMatch(/typed-42/);

    // Reset, confirmed: the learner's page starts a fresh sandbox by itself, without the file.
    const oldSession = await row.getAttribute('data-session');
    instructor.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Reset' }).click();
    await expect
      .poll(() => row.getAttribute('data-session'), { timeout: 15_000 })
      .not.toBe(oldSession);
    await expect.poll(() => terminalText(learner), { timeout: 20_000 }).toMatch(/root@nestbox/);
    expect(await terminalText(learner)).not.toMatch(/typed-42/);
    await learner.getByTestId('terminal').click();
    await learner.keyboard.type('cat /tmp/before-reset || echo fresh-$((2+3))\n');
    await expect.poll(() => terminalText(learner), { timeout: 10_000 }).toMatch(/fresh-5/);
    expect(await terminalText(learner)).toMatch(/No such file or directory/);
    // The shadow pane followed the learner to their fresh sandbox.
    await expect
      .poll(() => terminalText(instructor, 'shadow-terminal'), { timeout: 10_000 })
      .toMatch(/fresh-5/);
    await instructor.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => learner.getByTestId('instructor-viewing').count(), { timeout: 10_000 })
      .toBe(0);

    // A broadcast: the learner sees it at once in a live region, and can dismiss it; a learner
    // who opens a lesson afterwards still sees it.
    const text = 'Break until 11:00, leave your sandbox running';
    await instructor.getByLabel('Message to every learner').fill(text);
    await instructor.getByRole('button', { name: 'Broadcast' }).click();
    const banner = learner.getByRole('status').filter({ hasText: text });
    await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(1);
    await learner.getByRole('button', { name: "Dismiss the instructor's message" }).click();
    await expect.poll(() => banner.count()).toBe(0);
    const latecomer = await browser().newPage();
    await latecomer.goto(`${lab().url}/learn/hello-sandbox`);
    await expect
      .poll(() => latecomer.getByTestId('broadcast').innerText(), { timeout: 20_000 })
      .toContain(text);
    await latecomer.close();
    await learner.close();
    await instructor.close();
  });
});

describe('the Resources panel', () => {
  it('shows pids rising to the limit during a fork bomb, and falling once it is killed', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);

    await page.getByText('Resources', { exact: true }).click();
    await expect
      .poll(() => pids(page).catch(() => undefined), { timeout: 10_000 })
      .toMatchObject({
        max: config.limits.pids,
      });
    const calm = await pids(page);
    expect(calm.current).toBeLessThan(10);

    // The bomb runs in a process group of its own; its leader's pid is written down first, so
    // it can be killed with builtins only (nothing can fork while the bomb holds every pid).
    await page.getByTestId('terminal').click();
    await page.keyboard.type(
      `setsid bash -c 'echo $$ >/tmp/bomb; b(){ b|b& }; b' >/dev/null 2>&1 &\n`,
    );
    await expect
      .poll(async () => (await pids(page)).current, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(config.limits.pids - 2);
    expect((await pids(page)).current).toBeLessThanOrEqual(config.limits.pids);
    await expect
      .poll(() => page.getByTestId('resources-pids').innerText())
      .toMatch(/forks refused/);

    await page.keyboard.type(`read b </tmp/bomb; kill -9 -- -$b; kill -9 -- -$b\n`);
    await expect.poll(async () => (await pids(page)).current, { timeout: 15_000 }).toBeLessThan(10);
    await page.close();
  });
});
