import type { ComponentProps } from 'react';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * Renders one lesson page. react-markdown builds React elements, never HTML strings, and it
 * ignores raw HTML in the source, so a scenario cannot inject script into the page.
 */

/** External links open in a new tab so the learner does not lose the sandbox beside them. */
function LessonLink({ href, title, children }: ComponentProps<'a'>) {
  const external = href !== undefined && /^https?:\/\//i.test(href);
  return (
    <a
      href={href}
      title={title}
      {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}
    >
      {children}
    </a>
  );
}

export function LessonMarkdown({ markdown }: { markdown: string }) {
  return (
    <div className="lesson-prose">
      <Markdown remarkPlugins={[remarkGfm]} components={{ a: LessonLink }}>
        {markdown}
      </Markdown>
    </div>
  );
}
