/**
 * What the page benchmark runs inside each page before the page's own scripts: it records the
 * largest contentful paint, every layout shift (with the element that moved), and the moment
 * the page became interactive by the benchmark's definition (see `ReadyWhen`).
 *
 * `installProbe` is serialised into the page by Playwright, so it must not use anything from
 * this module's scope.
 */

/** When a page counts as interactive; every condition given must hold. */
export interface ReadyWhen {
  /** Elements whose React event handlers must be attached (hydration done for them). */
  hydrated: string[];
  /** Text the terminal's screen must show: its first prompt, rendered. */
  prompt?: string;
}

export interface ShiftSource {
  /** When the shift happened, ms since navigation start. */
  atMs: number;
  value: number;
  /** The element that moved, as tag#id.class[data-testid]. */
  node: string;
  from: string;
  to: string;
}

export interface ProbeReading {
  /** ms since navigation start; undefined until the page is interactive. */
  interactiveMs: number | undefined;
  /** The latest largest-contentful-paint candidate, ms since navigation start. */
  lcpMs: number | undefined;
  /** The sum of every layout shift without recent input (at least the windowed CLS). */
  layoutShift: number;
  shifts: ShiftSource[];
}

/** The Layout Instability API's entries, which TypeScript's DOM library does not describe. */
interface LayoutShiftEntry extends PerformanceEntry {
  value: number;
  hadRecentInput: boolean;
  sources: readonly {
    node: Node | null;
    previousRect: DOMRectReadOnly;
    currentRect: DOMRectReadOnly;
  }[];
}

export function installProbe(when: ReadyWhen): void {
  const MAX_SHIFTS = 20;
  const reading: ProbeReading = {
    interactiveMs: undefined,
    lcpMs: undefined,
    layoutShift: 0,
    shifts: [],
  };
  // Read back by the benchmark as window.__nestboxPageProbe (see readProbe in main.ts).
  Object.assign(window, { __nestboxPageProbe: reading });

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) reading.lcpMs = entry.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as LayoutShiftEntry[]) {
      if (entry.hadRecentInput) continue;
      reading.layoutShift += entry.value;
      for (const source of entry.sources) {
        if (reading.shifts.length >= MAX_SHIFTS) break;
        const node = source.node;
        const element = node instanceof Element ? node : node?.parentElement;
        const testId = element?.getAttribute('data-testid');
        const box = (rect: DOMRectReadOnly): string =>
          `${Math.round(rect.x)},${Math.round(rect.y)} ${Math.round(rect.width)}x${Math.round(rect.height)}`;
        reading.shifts.push({
          atMs: entry.startTime,
          value: entry.value,
          node:
            element === null || element === undefined
              ? String(node?.nodeName)
              : `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${
                  typeof element.className === 'string' && element.className !== ''
                    ? `.${element.className.trim().split(/\s+/).slice(0, 4).join('.')}`
                    : ''
                }${testId ? `[data-testid=${testId}]` : ''}`,
          from: box(source.previousRect),
          to: box(source.currentRect),
        });
      }
    }
  }).observe({ type: 'layout-shift', buffered: true });

  // React 19 puts its props (and so its event handlers) on each DOM node it hydrated, under a
  // key `__reactProps$<random>`: until then a click on that node does nothing.
  const isHydrated = (selector: string): boolean => {
    const element = document.querySelector(selector);
    return element !== null && Object.keys(element).some((key) => key.startsWith('__reactProps$'));
  };
  const showsPrompt = (prompt: string): boolean =>
    (document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent ?? '').includes(
      prompt,
    );
  const isReady = (): boolean =>
    document.readyState !== 'loading' &&
    when.hydrated.every(isHydrated) &&
    (when.prompt === undefined || showsPrompt(when.prompt));
  // Checked once per animation frame: what is in the DOM at a frame is what that frame paints.
  const poll = (): void => {
    if (isReady()) reading.interactiveMs = performance.now();
    else requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
}
