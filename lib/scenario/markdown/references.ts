import type { Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { prepareFences } from '../code-actions';
import { TRAFFIC_PLACEHOLDER } from '../links';

/**
 * What `nestbox scenario check` looks for in a page's markdown, with lines: only parsing, none
 * of the rendering, so the lint stays quick.
 */

/** One thing in a page's markdown that a lint cares about, with its line. */
export interface MarkdownReference {
  kind: 'image' | 'traffic';
  url: string;
  line: number;
}

const parser = unified().use(remarkParse).use(remarkGfm).freeze();

/** The images a page shows and the `{{TRAFFIC_...}}` placeholders it uses, with their lines. */
export function markdownReferences(markdown: string): MarkdownReference[] {
  const tree: Root = parser.parse(prepareFences(markdown));
  const references: MarkdownReference[] = [];
  visit(tree, 'image', (node) => {
    references.push({ kind: 'image', url: node.url, line: node.position?.start.line ?? 1 });
  });
  for (const [index, line] of markdown.split('\n').entries()) {
    for (const match of line.matchAll(new RegExp(TRAFFIC_PLACEHOLDER.source, 'g'))) {
      references.push({ kind: 'traffic', url: match[0], line: index + 1 });
    }
  }
  return references;
}
