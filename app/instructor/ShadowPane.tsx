'use client';

import { useEffect, useRef, useState } from 'react';
import type { Terminal as XTerm } from '@xterm/xterm';

/**
 * A read-only mirror of one learner's first terminal, inline in the roster: xterm.js fed by the
 * shadow WebSocket (/api/instructor/shadow, authorized by the instructor cookie). Nothing typed
 * here goes anywhere: the terminal takes no input, and the server drops what a viewer sends.
 */
export function ShadowPane({
  sessionId,
  label,
  onClose,
}: {
  sessionId: string;
  label: string;
  onClose: () => void;
}) {
  const containerRef = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState('connecting');

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const abort = new AbortController();
    let term: XTerm | undefined;
    let socket: WebSocket | undefined;
    const observer = new ResizeObserver(() => {
      fit?.();
    });
    let fit: (() => void) | undefined;
    void (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([
        import('@xterm/xterm'),
        import('@xterm/addon-fit'),
      ]);
      if (abort.signal.aborted) return;
      term = new Terminal({
        disableStdin: true,
        cursorBlink: false,
        fontSize: 13,
        scrollback: 2000,
        theme: { background: '#0c0d10', foreground: '#e4e4e7' },
      });
      const fitAddon = new FitAddon();
      term.loadAddon(fitAddon);
      term.open(container);
      fit = () => {
        fitAddon.fit();
      };
      fit();
      observer.observe(container);
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(
        `${scheme}://${location.host}/api/instructor/shadow?session=${encodeURIComponent(sessionId)}`,
      );
      socket = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        setStatus('live');
      };
      ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
        if (typeof event.data !== 'string') term?.write(new Uint8Array(event.data));
      };
      ws.onclose = (event) => {
        if (!abort.signal.aborted) setStatus(`closed${event.reason ? `: ${event.reason}` : ''}`);
      };
    })();
    return () => {
      abort.abort();
      observer.disconnect();
      socket?.close(1000, 'closed by the instructor');
      term?.dispose();
    };
  }, [sessionId]);

  return (
    <section
      aria-label={`Shadow view of ${label}`}
      className="mt-4 overflow-hidden rounded-md bg-[#0c0d10] text-zinc-300"
    >
      <div className="flex items-center gap-3 border-b border-white/10 px-3 py-1.5 text-xs">
        <span className="font-medium">Watching {label} (read-only)</span>
        <span data-testid="shadow-status" aria-live="polite">
          {status}
        </span>
        <button type="button" onClick={onClose} className="ml-auto underline">
          Close
        </button>
      </div>
      <div ref={containerRef} data-testid="shadow-terminal" className="h-72 py-1 pl-2" />
    </section>
  );
}
