/**
 * Debian's Chromium as every browser test launches it, and how tests read the terminal.
 */
import { chromium, type Browser, type Page } from 'playwright';

/** Chromium from the `chromium` package; Playwright never downloads a browser here. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    // This machine has no network but the registries: keep Chromium from trying to phone home.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // xterm.js then falls back from WebGL to its DOM renderer, whose rows the tests can read
      // (and the fallback path gets exercised).
      '--disable-webgl',
    ],
  });
}

/** The visible text of an xterm.js screen (terminal 1 unless another is named). */
export function terminalText(page: Page, testId = 'terminal'): Promise<string> {
  return page.locator(`[data-testid="${testId}"] .xterm-rows`).innerText();
}
