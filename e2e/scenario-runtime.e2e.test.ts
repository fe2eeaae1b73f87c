/**
 * A scenario's background and foreground scripts on the lesson page, in Debian's Chromium against
 * the real server, on the fixture scenario e2e/fixtures/scenarios/runtime-demo.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright';
import { describe, expect, it } from 'vitest';
import { terminalText } from './browser.js';
import { labAndBrowserForThisFile } from './lab-and-browser.js';

// A run directory, cgroup and uid range of its own, and the fixture scenarios only.
const LAB_ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-e2e-runtime',
  NESTBOX_CGROUP_PARENT: 'nestbox-e2e-runtime',
  NESTBOX_ID_BASE: '1780000000',
  NESTBOX_SCENARIOS_DIR: fileURLToPath(new URL('fixtures/scenarios', import.meta.url)),
  NESTBOX_MAX_SESSIONS_PER_CLIENT: '10',
};
const { lab, browser } = labAndBrowserForThisFile(LAB_ENV);

/** Lines of the terminal that are exactly the foreground script's output. */
async function foregroundOutputs(page: Page): Promise<number> {
  return (await terminalText(page)).split('\n').filter((line) => line.trim() === 'foreground: 42')
    .length;
}

describe('scenario scripts on the lesson page', () => {
  it('types the foreground script once, shows "preparing" while a background script runs, and Check waits for it', async () => {
    const page = await browser().newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${lab().url}/learn/runtime-demo`);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/root@nestbox/);

    // The intro's foreground script was typed into terminal 1 and ran there.
    await expect
      .poll(() => terminalText(page), { timeout: 10_000 })
      .toMatch(/echo "foreground: \$\(\(6 \* 7\)\)"/);
    await expect.poll(() => foregroundOutputs(page), { timeout: 10_000 }).toBe(1);
    // The intro's background script (sleep 3) ends and "preparing" goes away.
    await expect.poll(() => page.getByTestId('preparing').count(), { timeout: 15_000 }).toBe(0);

    // A reload re-attaches to the same session: the foreground is not typed again.
    await page.reload();
    await expect
      .poll(() => page.getByTestId('terminal-status').getAttribute('data-state'), {
        timeout: 20_000,
      })
      .toBe('live');
    await expect.poll(() => foregroundOutputs(page), { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(1500);
    expect(await foregroundOutputs(page)).toBe(1);

    // Step 1's background script (sleep 3) starts when the step opens: Check waits for it.
    await page.getByRole('button', { name: 'Start' }).click();
    const preparing = page.getByTestId('preparing');
    const check = page.getByRole('button', { name: 'Check' });
    await expect.poll(() => preparing.isVisible(), { timeout: 5_000 }).toBe(true);
    expect(await preparing.innerText()).toMatch(/Preparing your environment…/);
    expect(await page.locator('[aria-live="polite"]').filter({ has: preparing }).count()).toBe(1);
    expect(await check.isDisabled()).toBe(true);
    await page.screenshot({ path: 'test-results/scenario-preparing.png' });

    await expect.poll(() => preparing.count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => check.isEnabled()).toBe(true);
    await check.click();
    await expect
      .poll(() => page.getByTestId('check-hint').innerText())
      .toMatch(/create \/root\/done/);

    await page.getByTestId('terminal').click();
    // Keys go over the terminal's WebSocket and Check over HTTP: wait until the file exists.
    await page.keyboard.type('touch /root/done && echo touched-$((1+1))\n');
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/^touched-2$/m);
    await check.click();
    await expect.poll(() => page.getByTestId('check-passed').isVisible()).toBe(true);

    // Step 2's background script fails: the learner is told where its output is, and what next.
    await page.getByRole('button', { name: 'Next' }).click();
    const failed = page.getByTestId('preparation-failed');
    await expect.poll(() => failed.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await failed.innerText()).toMatch(/background-page-2\.log[\s\S]*Reset/);
    expect(await failed.getByRole('button', { name: 'Reset environment' }).isVisible()).toBe(true);
    await page.close();
  });
});
