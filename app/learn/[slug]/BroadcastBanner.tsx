'use client';

import { useEffect, useState } from 'react';
import type { BroadcastMessage } from '@/lib/protocol';

/** This tab's dismissed broadcast, as `id@at` (ids restart with the server; the time does not). */
const DISMISSED_KEY = 'nestbox:broadcast-dismissed';

function keyOf(message: BroadcastMessage): string {
  return `${String(message.id)}@${String(message.at)}`;
}

function loadDismissed(): string | undefined {
  try {
    return sessionStorage.getItem(DISMISSED_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: dismissing lasts until the next reload
  }
}

/**
 * The instructor's latest broadcast, as a banner the learner can dismiss. Each terminal's
 * connection hears it; the newest one that is neither expired nor dismissed is shown. A screen
 * reader announces it (role=status is a polite live region) without taking focus from the shell.
 */
export function BroadcastBanner({
  broadcasts,
}: {
  broadcasts: readonly (BroadcastMessage | undefined)[];
}) {
  const [dismissed, setDismissed] = useState(loadDismissed);
  const [now, setNow] = useState(() => Date.now());

  const latest = broadcasts.reduce<BroadcastMessage | undefined>(
    (newest, message) => (message && (!newest || message.at > newest.at) ? message : newest),
    undefined,
  );
  const shown =
    latest && latest.expiresAt > now && keyOf(latest) !== dismissed ? latest : undefined;

  // Hide it when it expires, even if nothing else re-renders the page.
  useEffect(() => {
    if (!shown) return;
    const timer = setTimeout(
      () => {
        setNow(Date.now());
      },
      Math.max(0, shown.expiresAt - Date.now()),
    );
    return () => {
      clearTimeout(timer);
    };
  }, [shown]);

  const dismiss = () => {
    if (!shown) return;
    const key = keyOf(shown);
    setDismissed(key);
    try {
      sessionStorage.setItem(DISMISSED_KEY, key);
    } catch {
      // storage disabled: dismissed for this page only
    }
  };

  return (
    <div role="status" aria-live="polite" data-testid="broadcast">
      {shown && (
        <div className="m-3 mb-0 flex items-start gap-3 rounded-md bg-sky-500/15 p-3 text-sm text-sky-100 ring-1 ring-sky-400/40">
          <p className="min-w-0 flex-1 break-words">
            <span className="font-semibold">Instructor: </span>
            {shown.text}
          </p>
          <button
            type="button"
            onClick={dismiss}
            aria-label="Dismiss the instructor's message"
            className="rounded px-1 text-sky-200 hover:bg-sky-400/20 focus-visible:outline-2 focus-visible:outline-sky-300"
          >
            ✕
          </button>
        </div>
      )}
    </div>
  );
}
