import type { Element, ElementContent } from 'hast';
import type { ComponentProps, ReactNode } from 'react';
import Markdown from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { decodeAction, prepareMarkdown } from '@/lib/scenario';
import { CodeAction } from './CodeAction';

/**
 * Renders one lesson page. react-markdown builds React elements, never HTML strings, and it
 * ignores raw HTML in the source, so a scenario cannot inject script into the page.
 * Killercoda's code actions ({{exec}}, {{copy}}, ...) are rewritten first (lib/scenario
 * code-actions) and rendered as buttons.
 */

/** The plain text of a hast subtree (a code block's command). */
function textOf(nodes: readonly ElementContent[]): string {
  return nodes
    .map((node) =>
      node.type === 'text' ? node.value : node.type === 'element' ? textOf(node.children) : '',
    )
    .join('');
}

function textOfChildren(children: ReactNode): string {
  if (typeof children === 'string' || typeof children === 'number') return String(children);
  if (Array.isArray(children)) return children.map(textOfChildren).join('');
  if (children !== null && typeof children === 'object' && 'props' in children) {
    return textOfChildren((children.props as { children?: ReactNode }).children);
  }
  return '';
}

/** Links to `#nestbox-action=...` are inline code actions; external links open a new tab. */
function LessonLink({ href, title, children }: ComponentProps<'a'>) {
  const action = href?.startsWith('#') ? decodeAction(href.slice(1)) : undefined;
  if (action) return <CodeAction command={textOfChildren(children)} action={action} inline />;
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

/** A fenced block whose info string carries an action becomes a runnable block. */
function LessonPre({ node, children }: ComponentProps<'pre'> & { node?: Element }) {
  const code = node?.children[0];
  const meta =
    code?.type === 'element' ? (code.data as { meta?: string } | undefined)?.meta : undefined;
  const action = meta
    ?.split(/\s+/)
    .map(decodeAction)
    .find((candidate) => candidate !== undefined);
  if (action && code?.type === 'element') {
    return (
      <CodeAction
        command={textOf(code.children).replace(/\n$/, '')}
        action={action}
        inline={false}
      />
    );
  }
  return <pre>{children}</pre>;
}

export function LessonMarkdown({ markdown }: { markdown: string }) {
  return (
    <div className="lesson-prose">
      <Markdown remarkPlugins={[remarkGfm]} components={{ a: LessonLink, pre: LessonPre }}>
        {prepareMarkdown(markdown)}
      </Markdown>
    </div>
  );
}
