'use client';

import { useEffect, useState } from 'react';
import type { ExecDetail } from './LessonActions';
import { useLessonSession } from './session-context';
import {
  SessionRequestError,
  backgroundStates,
  openPage,
  type BackgroundStates,
  type PageBackground,
} from './session-client';

/** How often the page asks about a running background script. */
const POLL_MS = 1000;

export interface PageRuntime {
  /** The server has answered this page's open: until then Check waits too. */
  ready: boolean;
  /** A background script of this page or an earlier one is still running: Check waits. */
  preparing: boolean;
  /** The first background script up to this page that failed, if any. */
  failed: PageBackground | undefined;
}

/**
 * Types a foreground script into terminal 1 through the same `nestbox:exec` event the lesson's
 * run actions use, so it queues until the terminal is live. Each line ends with Enter.
 */
function typeForeground(text: string): void {
  const detail: ExecDetail = {
    command: text.replace(/\r?\n/g, '\r'),
    terminal: 1,
    interrupt: false,
    newline: false,
    ctrlSeq: false,
  };
  window.dispatchEvent(new CustomEvent<ExecDetail>('nestbox:exec', { detail }));
}

/**
 * The scenario runtime as the page at `index` sees it (0 the intro, then the steps, then the
 * finish). Opening a page tells the server, which starts its background script once per session
 * and hands back its foreground text only the first time (so a reload types nothing again).
 * While a background script up to this page runs, its state is polled.
 */
export function usePageRuntime(index: number): PageRuntime {
  const { grant } = useLessonSession();
  const [known, setKnown] = useState<{ session: string; pages: BackgroundStates }>();
  /** `session#index` of the last page open the server answered. */
  const [opened, setOpened] = useState<string>();
  const session = grant?.sessionId;
  const pages = known !== undefined && known.session === session ? known.pages : {};

  useEffect(() => {
    if (grant === undefined) return;
    // Not cancelled on cleanup: the server hands the foreground text out once, so it must be
    // typed even if this effect was already replaced (React runs effects twice in dev).
    openPage(grant, index).then(
      ({ foreground, pages: states }) => {
        if (foreground !== undefined) typeForeground(foreground);
        setKnown({ session: grant.sessionId, pages: states });
        setOpened(`${grant.sessionId}#${String(index)}`);
      },
      (reason: unknown) => {
        // The terminal reports a session that is gone; Check then says what is wrong itself.
        console.error('nestbox: opening the page in the sandbox failed', reason);
        setOpened(`${grant.sessionId}#${String(index)}`);
      },
    );
  }, [grant, index]);

  const upTo = Object.entries(pages)
    .filter(([page]) => Number(page) <= index)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, background]) => background);
  const preparing = upTo.some((background) => background.state === 'running');

  useEffect(() => {
    if (grant === undefined || !preparing) return;
    const abort = new AbortController();
    const timer = setInterval(() => {
      backgroundStates(grant, abort.signal).then(
        (states) => {
          if (!abort.signal.aborted) setKnown({ session: grant.sessionId, pages: states });
        },
        (error: unknown) => {
          // A gone session answers 403 for good, and each one counts against this address's
          // failed guesses (shared with every learner behind the same NAT): stop asking. Other
          // failures are asked again at the next tick; a gone session shows in the terminal.
          if (error instanceof SessionRequestError && error.gone) clearInterval(timer);
        },
      );
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [grant, preparing]);

  return {
    ready: session !== undefined && opened === `${session}#${String(index)}`,
    preparing,
    failed: upTo.find((background) => background.state === 'failed'),
  };
}
