'use client';

import {
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { ctrlSeqToKeys } from '@/lib/scenario/code-actions';

/**
 * What a code action asks the terminal to do, dispatched on `window` as `nestbox:exec`.
 * `command` is ready to type: for ctrl-seq actions the `^C` notation is already turned into
 * control characters, and `ctrlSeq` says so.
 */
export interface ExecDetail {
  command: string;
  terminal: number;
  interrupt: boolean;
  newline: boolean;
  ctrlSeq: boolean;
}

const FEEDBACK_MS = 1500;

/** The text of a block's code or of an inline code element, without the block's final newline. */
function commandOf(source: HTMLElement): string {
  const code = source.tagName === 'PRE' ? (source.querySelector('code') ?? source) : source;
  return code.textContent.replace(/\n$/, '');
}

/** Plain-http pages (a workshop on a LAN address) have no Clipboard API; fall back to a copy
 *  command on a hidden textarea, which browsers still allow inside a click. */
async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && 'clipboard' in navigator) {
    return navigator.clipboard.writeText(text).then(
      () => true,
      () => false,
    );
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the only clipboard access plain http has
  const copied = document.execCommand('copy');
  area.remove();
  return copied;
}

/**
 * Makes the rendered lesson's code actions work (see lib/scenario/markdown/code.ts): buttons
 * beside code blocks and clickable inline code. One listener for the whole lesson, so the
 * markdown itself stays server-rendered HTML.
 */
export function LessonActions({ children, className }: { children: ReactNode; className: string }) {
  const [announcement, setAnnouncement] = useState('');
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending) clearTimeout(timer);
    };
  }, []);

  /** Marks `element` with `data-<flag>` for a moment, for the CSS to show "Copied" or "Sent". */
  const flash = (element: HTMLElement, flag: 'copied' | 'sent', message: string) => {
    element.setAttribute(`data-${flag}`, '');
    setAnnouncement(message);
    const timer = setTimeout(() => {
      element.removeAttribute(`data-${flag}`);
      timers.current.delete(timer);
    }, FEEDBACK_MS);
    timers.current.add(timer);
  };

  const activate = (trigger: HTMLElement) => {
    const source =
      trigger.tagName === 'BUTTON'
        ? trigger.closest('.code-block')?.querySelector<HTMLElement>('pre[data-action]')
        : trigger;
    if (!source) return;
    const command = commandOf(source);
    const wantsExec =
      trigger.dataset.button === 'exec' ||
      (trigger.tagName === 'CODE' && source.dataset.action === 'exec');
    if (!wantsExec) {
      void copyText(command).then((copied) => {
        if (copied) flash(trigger, 'copied', 'Copied to the clipboard');
        else setAnnouncement('Copying is blocked by the browser; select the text instead.');
      });
      return;
    }
    const ctrlSeq = source.dataset.ctrlSeq === 'true';
    const detail: ExecDetail = {
      command: ctrlSeq ? ctrlSeqToKeys(command) : command,
      terminal: Number(source.dataset.target ?? '1'),
      interrupt: source.dataset.interrupt === 'true',
      newline: source.dataset.newline !== 'false',
      ctrlSeq,
    };
    window.dispatchEvent(new CustomEvent<ExecDetail>('nestbox:exec', { detail }));
    flash(trigger, 'sent', `Sent to terminal ${detail.terminal}`);
  };

  const triggerOf = (target: EventTarget, root: HTMLElement): HTMLElement | undefined => {
    if (!(target instanceof Element)) return undefined;
    const trigger = target.closest<HTMLElement>('button[data-button], code[data-action]');
    return trigger !== null && root.contains(trigger) ? trigger : undefined;
  };

  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const trigger = triggerOf(event.target, event.currentTarget);
    if (trigger) activate(trigger);
  };

  // Inline code is role="button": Enter and Space activate it, as they would a button.
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const trigger = triggerOf(event.target, event.currentTarget);
    if (trigger?.tagName !== 'CODE') return;
    event.preventDefault();
    activate(trigger);
  };

  return (
    <div className={className} onClick={onClick} onKeyDown={onKeyDown}>
      {children}
      <p aria-live="polite" className="sr-only">
        {announcement}
      </p>
    </div>
  );
}
