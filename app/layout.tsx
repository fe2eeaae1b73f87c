import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import './globals.css';
import { SPLIT_BOOT_SCRIPT } from './learn/[slug]/split';
import { THEME_BOOT_SCRIPT } from './theme/theme';
import { ThemeToggle } from './theme/ThemeToggle';

export const metadata: Metadata = {
  title: { default: 'Nestbox', template: '%s · Nestbox' },
  description: 'Interactive lessons beside a real Linux shell.',
};

export const viewport: Viewport = {
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#09090b' },
  ],
};

function SiteHeader() {
  return (
    <header className="sticky top-0 z-10 flex h-14 shrink-0 items-center border-b border-zinc-200 bg-white/80 px-4 backdrop-blur sm:px-6 dark:border-zinc-800 dark:bg-zinc-950/80">
      <Link
        href="/"
        className="flex items-center gap-2 font-semibold tracking-tight text-zinc-900 dark:text-zinc-100"
      >
        <span
          aria-hidden
          className="grid size-7 place-items-center rounded-md bg-emerald-600 font-mono text-sm text-white"
        >
          &gt;_
        </span>
        Nestbox
      </Link>
      <ThemeToggle />
    </header>
  );
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The boot script sets the `dark` class before React hydrates, so the server's <html> differs.
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Applies the stored theme and lesson split before first paint: no flash, no shift. */}
        <script dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT + SPLIT_BOOT_SCRIPT }} />
      </head>
      <body className="flex min-h-dvh flex-col bg-white text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">
        <SiteHeader />
        {children}
      </body>
    </html>
  );
}
