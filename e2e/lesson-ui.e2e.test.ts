/**
 * The lesson UI's look and access in Debian's Chromium: catalog search, the theme toggle, a phone
 * viewport, and the terminal's clipboard, search, context menu and connection states.
 * Screenshots land in e2e/screenshots/ for review.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContextOptions, Page, WebSocketRoute } from 'playwright';
import { beforeAll, describe, expect, it } from 'vitest';
import { terminalText } from './browser.js';
import { labAndBrowserForThisFile } from './lab-and-browser.js';

// Its own run directory, cgroup parent and uid base: no other lab or test reaps these sandboxes.
const LAB_ENV = {
  NESTBOX_RUN_DIR: '/run/nestbox-e2e-ui',
  NESTBOX_CGROUP_PARENT: 'nestbox-e2e-ui',
  NESTBOX_ID_BASE: '1790000000',
  NESTBOX_MAX_SESSIONS_PER_CLIENT: '20',
};
const SCREENSHOTS = fileURLToPath(new URL('screenshots/', import.meta.url));
const { lab, browser } = labAndBrowserForThisFile(LAB_ENV);

beforeAll(() => {
  mkdirSync(SCREENSHOTS, { recursive: true });
});

/** A fresh learner (own cookie and storage) on a page of its own. */
async function freshPage(options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser().newContext({
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  return context.newPage();
}

async function closePage(page: Page): Promise<void> {
  await page.context().close();
}

function cardTitles(page: Page): Promise<string[]> {
  return page.locator('main h3').allInnerTexts();
}

function darkClass(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.classList.contains('dark'));
}

async function waitForPrompt(page: Page): Promise<void> {
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(/root@nestbox/);
}

/** A fresh learner on a lesson whose shell shows its prompt, with the terminal focused. */
async function lessonShell(options: BrowserContextOptions = {}): Promise<Page> {
  const page = await freshPage(options);
  await page.goto(`${lab().url}/learn/hello-sandbox`);
  await waitForPrompt(page);
  await page.getByTestId('terminal').click();
  return page;
}

describe('the lesson UI', () => {
  it('filters catalog cards by search words, shows an empty state, and Escape clears', async () => {
    const page = await freshPage();
    await page.goto(lab().url);
    const all = await cardTitles(page);
    expect(all.length).toBeGreaterThan(3);
    await page.screenshot({ path: `${SCREENSHOTS}catalog.png`, fullPage: true });

    const search = page.getByLabel('Search lessons');
    await search.fill('fork');
    await expect.poll(() => cardTitles(page)).toEqual(['PID limits vs fork bombs']);
    // Difficulty and course count too, and every word must match.
    await search.fill('BEGINNER sandbox');
    await expect.poll(() => cardTitles(page)).toEqual(['Your first sandbox']);
    await search.fill('Container isolation');
    await expect.poll(async () => (await cardTitles(page)).length).toBe(4);

    await search.fill('no-such-lesson-anywhere');
    await expect.poll(() => cardTitles(page)).toEqual([]);
    await expect.poll(() => page.getByRole('status').innerText()).toMatch(/No lessons match/);
    await search.press('Escape');
    expect(await search.inputValue()).toBe('');
    await expect.poll(() => cardTitles(page)).toEqual(all);
    await closePage(page);
  });

  it('toggles dark mode, remembers it, and applies it before the page is parsed', async () => {
    const page = await freshPage({ colorScheme: 'light' });
    // Records the class as soon as the document is parsed, before any React code ran.
    await page.addInitScript(() => {
      document.addEventListener('DOMContentLoaded', () => {
        const html = document.documentElement;
        html.dataset.darkAtParse = String(html.classList.contains('dark'));
        // Records a flash: the dark class taken away while the page hydrates.
        new MutationObserver(() => {
          if (html.dataset.darkAtParse === 'true' && !html.classList.contains('dark')) {
            (window as { darkLost?: boolean }).darkLost = true;
          }
        }).observe(html, { attributes: true, attributeFilter: ['class'] });
      });
    });
    await page.goto(lab().url);
    const html = page.locator('html');
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const toggle = page.getByTestId('theme-toggle');
    await expect.poll(() => toggle.getAttribute('aria-label')).toMatch(/follows the system/);
    expect(await darkClass(page)).toBe(false);
    const light = await background();

    await toggle.click(); // system → light
    await expect.poll(() => toggle.getAttribute('aria-label')).toMatch(/Theme: light/);
    expect(await darkClass(page)).toBe(false);
    await toggle.click(); // light → dark
    await expect.poll(() => toggle.getAttribute('aria-label')).toMatch(/Theme: dark/);
    await expect.poll(() => darkClass(page)).toBe(true);
    const dark = await background();
    expect(dark).not.toBe(light);

    await page.reload();
    expect(await html.getAttribute('data-dark-at-parse')).toBe('true');
    await expect.poll(() => toggle.getAttribute('aria-label')).toMatch(/Theme: dark/);
    expect(await background()).toBe(dark);
    // Hydrating, the toggle renders the server's "system" (light here) before it reads storage;
    // the page must stay dark all along.
    expect(await page.evaluate(() => (window as { darkLost?: boolean }).darkLost)).toBeUndefined();

    await toggle.click(); // dark → system, which is light here
    await expect.poll(() => darkClass(page)).toBe(false);
    expect(await background()).toBe(light);
    await closePage(page);
  });

  it('follows a dark system before any choice is made', async () => {
    const page = await freshPage({ colorScheme: 'dark' });
    await page.goto(lab().url);
    await expect.poll(() => darkClass(page)).toBe(true);
    await closePage(page);
  });

  it('works on a 390x844 phone: the step and a working terminal are both there', async () => {
    const page = await freshPage({ viewport: { width: 390, height: 844 }, hasTouch: true });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 2 }).innerText())
      .toMatch(/Look around/);
    // The terminal sits below the step here, and xterm.js pauses drawing while it is out of view
    // (its rows read empty until then): scroll to it as a learner would.
    await page.getByTestId('terminal').scrollIntoViewIfNeeded();
    await waitForPrompt(page);
    const box = await page.getByTestId('terminal').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.width).toBeLessThanOrEqual(390);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo phone-$((20+22))\n');
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/phone-42/);
    await page.screenshot({ path: `${SCREENSHOTS}lesson-phone.png`, fullPage: true });

    // Collapsing the steps gives the terminal the screen; expanding brings them back.
    const toggle = page.getByRole('button', { name: 'Hide the steps' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    const show = page.getByRole('button', { name: 'Show the steps' });
    await expect.poll(() => show.getAttribute('aria-expanded')).toBe('false');
    await expect.poll(() => page.locator('#lesson-steps').isVisible()).toBe(false);
    await show.click();
    await expect.poll(() => page.locator('#lesson-steps').isVisible()).toBe(true);
    await closePage(page);
  });

  it('moves the split with the keyboard and remembers it after a reload', async () => {
    const page = await freshPage();
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    const separator = page.getByRole('separator', { name: /Resize the steps/ });
    expect(await separator.getAttribute('aria-orientation')).toBe('vertical');
    expect(await separator.getAttribute('aria-valuenow')).toBe('40');
    // A key pressed before the page has hydrated and synced its stored split is computed from
    // the server's default, so a second press can be lost; the shell's prompt comes after both.
    await waitForPrompt(page);
    const stepsWidth = async () => (await page.locator('#lesson-steps').boundingBox())?.width ?? 0;
    const before = await stepsWidth();
    await separator.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => separator.getAttribute('aria-valuenow')).toBe('50');
    await expect.poll(stepsWidth).toBeGreaterThan(before + 50);
    const after = await stepsWidth();

    await page.reload();
    // The server renders the default; the stored split arrives when the page hydrates.
    await expect.poll(() => separator.getAttribute('aria-valuenow')).toBe('50');
    await expect.poll(async () => Math.abs((await stepsWidth()) - after)).toBeLessThan(2);

    // The pointer drags it too: to the far left stops at the minimum.
    const box = await separator.boundingBox();
    if (box === null) throw new Error('the separator has no box');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => separator.getAttribute('aria-valuenow')).toBe('20');
    await closePage(page);
  });

  it('moves between steps, focuses the terminal and lists shortcuts from the keyboard', async () => {
    const page = await freshPage();
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await waitForPrompt(page);
    const stepTitle = () => page.getByRole('heading', { level: 2 }).first().innerText();
    await page.getByRole('heading', { level: 1 }).click(); // focus on the page, not the terminal
    await page.keyboard.press(']');
    await expect.poll(stepTitle).toMatch(/Look around/);
    await page.keyboard.press('Alt+ArrowLeft');
    await expect.poll(stepTitle).toMatch(/Welcome/);
    await page.keyboard.press('Alt+ArrowRight');
    await expect.poll(stepTitle).toMatch(/Look around/);

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect.poll(() => help.isVisible()).toBe(true);
    expect(await help.innerText()).toMatch(/Focus the terminal/);
    await page.keyboard.press('Escape');
    await expect.poll(() => help.isVisible()).toBe(false);

    await page.keyboard.press('Control+`');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('.xterm') !== null))
      .toBe(true);
    // Now in the terminal, `]` is typing, not navigation.
    await page.keyboard.type('echo a]b\n');
    await expect.poll(() => terminalText(page)).toMatch(/^a]b$/m);
    expect(await stepTitle()).toMatch(/Look around/);
    await closePage(page);
  });

  it('turns on xterm screen-reader mode from the terminal settings, and remembers it', async () => {
    const page = await freshPage();
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await waitForPrompt(page);
    const mirror = page.locator('[data-testid="terminal"] .xterm-accessibility');
    expect(await mirror.count()).toBe(0);
    const settings = page.getByRole('button', { name: 'Terminal settings' });
    await settings.click();
    await expect.poll(() => settings.getAttribute('aria-expanded')).toBe('true');
    await page.getByLabel(/Screen reader mode/).check();
    await expect.poll(() => mirror.count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => settings.getAttribute('aria-expanded')).toBe('false');

    await page.reload();
    await waitForPrompt(page);
    await expect.poll(() => mirror.count()).toBe(1);
    await settings.click();
    expect(await page.getByLabel(/Screen reader mode/).isChecked()).toBe(true);
    await closePage(page);
  });

  it('answers an unknown lesson address with a message and a way back', async () => {
    const page = await freshPage();
    const response = await page.goto(`${lab().url}/learn/no-such-lesson`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('No lesson here');
    await page.getByRole('link', { name: 'Back to the lessons' }).click();
    await page.waitForURL(`${lab().url}/`);
    await closePage(page);
  });

  it('shows the hint of a failed check (screenshot of the lesson and the failure)', async () => {
    const page = await freshPage();
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await waitForPrompt(page);
    await page.screenshot({ path: `${SCREENSHOTS}lesson.png` });
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Check' }).click();
    await expect
      .poll(() => page.getByTestId('check-hint').innerText(), { timeout: 20_000 })
      .not.toBe('');
    await page.screenshot({ path: `${SCREENSHOTS}check-failure.png` });
    await closePage(page);
  });

  it('pastes the clipboard into the terminal with Ctrl+Shift+V', async () => {
    const page = await lessonShell({ permissions: ['clipboard-read', 'clipboard-write'] });
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((6*7))'));
    await page.keyboard.press('Control+Shift+V');
    // The clipboard is read asynchronously: Enter only once the text is on the line.
    await expect.poll(() => terminalText(page)).toMatch(/echo pasted/);
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/^pasted-42$/m);
    // Exactly once: the browser's own paste must not add a second copy.
    expect((await terminalText(page)).match(/echo pasted/g)).toHaveLength(1);
    await closePage(page);
  });
});

describe('the terminal', () => {
  it('searches its output with Ctrl+Shift+F, and Escape returns to the shell', async () => {
    const page = await lessonShell();
    await page.keyboard.type('echo needle-$((40+2))\n');
    await expect.poll(() => terminalText(page)).toMatch(/^needle-42$/m);
    const selection = page.locator('[data-testid="terminal"] .xterm-selection div');
    expect(await selection.count()).toBe(0);

    await page.keyboard.press('Control+Shift+F');
    const query = page.getByLabel('Text to find in the terminal');
    await expect.poll(() => query.evaluate((input) => input === document.activeElement)).toBe(true);
    const status = page.getByTestId('terminal-search-status');
    await query.fill('needle-42');
    await query.press('Enter');
    await expect.poll(() => status.innerText()).toBe('Found');
    // The match is selected on the screen.
    await expect.poll(() => selection.count()).toBeGreaterThan(0);
    await query.fill('no-such-text-here');
    await query.press('Enter');
    await expect.poll(() => status.innerText()).toBe('No match');

    await query.press('Escape');
    await expect.poll(() => query.count()).toBe(0);
    await expect.poll(() => selection.count()).toBe(0);
    // Focus is back in the shell: typing runs there.
    await page.keyboard.type('echo back-$((1+1))\n');
    await expect.poll(() => terminalText(page)).toMatch(/^back-2$/m);
    await closePage(page);
  });

  it('shows "reconnecting" while its connection is down, then resumes the same shell', async () => {
    const page = await freshPage();
    // Playwright stands between the page and the server, so the test can cut the connection
    // and refuse new ones for a while, as a network outage would.
    const connections: WebSocketRoute[] = [];
    let outage = false;
    await page.routeWebSocket(/\/api\/terminal/, (route) => {
      if (outage) {
        void route.close({ code: 1011, reason: 'outage' });
        return;
      }
      route.connectToServer();
      connections.push(route);
    });
    await page.goto(`${lab().url}/learn/hello-sandbox`);
    await waitForPrompt(page);
    const status = page.getByTestId('terminal-status');
    await expect.poll(() => status.getAttribute('data-state')).toBe('live');
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo "before $$"\n');
    await expect.poll(() => terminalText(page)).toMatch(/^before \d+$/m);
    const pid = /^before (\d+)$/m.exec(await terminalText(page))?.[1];

    outage = true;
    await connections.at(-1)?.close({ code: 1001, reason: 'network gone' });
    await expect.poll(() => status.getAttribute('data-state')).toBe('reconnecting');
    expect(await status.innerText()).toMatch(/reconnecting/i);
    outage = false;
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 20_000 }).toBe('live');

    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo "after $$"\n');
    await expect.poll(() => terminalText(page)).toMatch(new RegExp(`^after ${pid ?? 'x'}$`, 'm'));
    // Only the bytes the page had not seen were sent again: the earlier output is there once.
    expect((await terminalText(page)).match(/^before \d+$/gm)).toHaveLength(1);
    await closePage(page);
  });

  it('says "ended" when the shell exits, and starts a new sandbox on request', async () => {
    const page = await lessonShell();
    await page.keyboard.type('exit\n');
    const status = page.getByTestId('terminal-status');
    await expect.poll(() => status.getAttribute('data-state')).toBe('ended');
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'session has ended' }).count())
      .toBe(1);
    await page.getByRole('button', { name: 'Start a new sandbox' }).click();
    await waitForPrompt(page);
    await expect.poll(() => status.getAttribute('data-state')).toBe('live');
    await closePage(page);
  });

  it('offers the selection to Copy and takes Paste: right-click readies xterm for both', async () => {
    const page = await lessonShell();
    await page.keyboard.type('echo needle-$((40+2))\n');
    const line = page.locator('[data-testid="terminal"] .xterm-rows > div', {
      hasText: /^needle-42\s*$/,
    });
    await expect.poll(() => line.count()).toBe(1);
    const box = await line.boundingBox();
    if (box === null) throw new Error('the output line has no box');
    await page.mouse.dblclick(box.x + 10, box.y + box.height / 2);

    // The browser's own menu copies what is selected in xterm's helper textarea and pastes
    // into it; a right-click puts the terminal's selection there, selected.
    await page.mouse.click(box.x + 10, box.y + box.height / 2, { button: 'right' });
    const helper = page.locator('[data-testid="terminal"] .xterm-helper-textarea');
    expect(
      await helper.evaluate((area: HTMLTextAreaElement) =>
        area.value.slice(area.selectionStart, area.selectionEnd),
      ),
    ).toBe('needle-42');

    // What the menu's Paste delivers: a paste event on that textarea.
    await helper.evaluate((area) => {
      const data = new DataTransfer();
      data.setData('text/plain', 'echo menu-$((6*7))');
      area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    });
    await expect.poll(() => terminalText(page)).toMatch(/echo menu-/);
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page)).toMatch(/^menu-42$/m);
    await closePage(page);
  });
});
