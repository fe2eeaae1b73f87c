import type { Root as HastRoot } from 'hast';
import rehypeHighlight from 'rehype-highlight';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { prepareFences } from '../code-actions';
import { rehypeCodeBlocks, rehypeInlineCode } from './code';
import { rehypeKeepMeta, remarkFenceMeta } from './fences';
import { rehypeLessonLinks, type LessonContext } from './links';
import { LESSON_SCHEMA } from './sanitize';

/**
 * Lesson markdown to a hast tree, with maintained libraries: remark parses (CommonMark and
 * GitHub extensions), rehype-raw reads the author's HTML, rehype-sanitize keeps only what
 * LESSON_SCHEMA allows, and only then do our plugins and rehype-highlight add trusted markup.
 * The app turns the tree into React elements; tests serialise it to HTML.
 */
const processor = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkFenceMeta)
  .use(remarkRehype, { allowDangerousHtml: true })
  .use(rehypeKeepMeta)
  .use(rehypeRaw)
  .use(rehypeSanitize, LESSON_SCHEMA)
  .use(rehypeInlineCode)
  .use(rehypeLessonLinks)
  .use(rehypeHighlight, { plainText: ['text', 'txt', 'plain', 'console'] })
  .use(rehypeCodeBlocks)
  .freeze();

export type { LessonContext };

export function renderLesson(markdown: string, context: LessonContext): HastRoot {
  const file = { data: { lesson: context } };
  return processor.runSync(processor.parse(prepareFences(markdown)), file);
}
