import { toJsxRuntime } from 'hast-util-to-jsx-runtime';
import { Fragment, type ReactElement } from 'react';
import { jsx, jsxs } from 'react/jsx-runtime';
import { renderLesson, type LessonContext } from '@/lib/scenario/markdown/render';
import { LessonActions } from './LessonActions';
import './lesson-markdown.css';

/**
 * Renders one lesson page on the server: lib/scenario turns the markdown into a sanitised
 * tree with code actions marked, and React elements are built from that tree (never from HTML
 * strings). A Katacoda `answer` follows as a collapsed solution.
 */

function Markdown({ markdown, context }: { markdown: string; context: LessonContext }) {
  // The library types its result as the global JSX.Element, which React 19 no longer declares.
  return toJsxRuntime(renderLesson(markdown, context), { Fragment, jsx, jsxs }) as ReactElement;
}

export function LessonMarkdown({
  markdown,
  answer,
  context,
}: {
  markdown: string;
  answer?: string | undefined;
  context: LessonContext;
}) {
  return (
    <LessonActions className="lesson-prose">
      <Markdown markdown={markdown} context={context} />
      {answer !== undefined && (
        <details className="lesson-solution">
          <summary>Solution</summary>
          <Markdown markdown={answer} context={context} />
        </details>
      )}
    </LessonActions>
  );
}
