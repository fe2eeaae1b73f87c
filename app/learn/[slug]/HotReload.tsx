'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/**
 * Development only: re-renders the lesson when a file of its scenario changes on disk (the
 * server says so on /scenario-events/<slug>). router.refresh keeps client state, so the
 * learner stays on the same step and the terminal stays connected.
 */
export function HotReload({ slug }: { slug: string }) {
  const router = useRouter();
  useEffect(() => {
    const events = new EventSource(`/scenario-events/${encodeURIComponent(slug)}`);
    events.onmessage = () => {
      router.refresh();
    };
    return () => {
      events.close();
    };
  }, [router, slug]);
  return null;
}
