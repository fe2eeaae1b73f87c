import type { Root as HastRoot } from 'hast';
import type { Root } from 'mdast';
import { visit } from 'unist-util-visit';

/**
 * Killercoda writes line highlights glued to the language, ```` ```yaml{2,5} ````, which Markdown
 * reads as the language `yaml{2,5}`. This moves the braces into the meta string, where the code
 * renderer looks for them, so highlighting still knows the language.
 */
export function remarkFenceMeta() {
  return (tree: Root): void => {
    visit(tree, 'code', (node) => {
      const match = /^([^{]*)(\{[\d\s,-]*\})$/.exec(node.lang ?? '');
      if (!match) return;
      node.lang = match[1] === '' ? null : (match[1] ?? null);
      node.meta = [match[2], node.meta].filter(Boolean).join(' ');
    });
  };
}

/**
 * rehype-raw rebuilds the tree and drops `data`, where remark-rehype keeps a fence's meta
 * string, so this copies it into a `data-meta` attribute first. LESSON_SCHEMA lets that
 * attribute through on `code`, and rehypeCodeBlocks reads and removes it. (An author's raw
 * `<code data-meta>` can do no more than the same fence written in Markdown.)
 */
export function rehypeKeepMeta() {
  return (tree: HastRoot): void => {
    visit(tree, 'element', (node) => {
      if (node.tagName === 'code' && typeof node.data?.meta === 'string') {
        node.properties.dataMeta = node.data.meta;
      }
    });
  };
}
