import type { Element, ElementContent, Root } from 'hast';
import { toString } from 'hast-util-to-string';
import { SKIP, visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { assetUrl, imageType, resolveLink, TRAFFIC_PLACEHOLDER } from '../links';

/**
 * Links and images, after sanitising: relative images are served from the scenario folder,
 * external links open in a new tab, and Killercoda's `{{TRAFFIC_HOST1_<port>}}` (a link to a
 * port inside the VM, which Nestbox cannot offer yet) becomes a visible note instead of a
 * broken link. A missing image becomes a note too, so an author sees it on the page.
 */

/** Which page is being rendered, for resolving its relative links. */
export interface LessonContext {
  slug: string;
  /** The markdown file, relative to the scenario folder. */
  file: string;
  /** Every file in the scenario folder. */
  files: readonly string[];
}

declare module 'vfile' {
  interface DataMap {
    lesson: LessonContext;
  }
}

function note(message: string): Element {
  return {
    type: 'element',
    tagName: 'span',
    properties: { className: ['lesson-note'], role: 'note' },
    children: [{ type: 'text', value: message }],
  };
}

const TRAFFIC_NOTE = 'opening a port of the sandbox in the browser is not supported yet';

/** Whether a text or URL holds a placeholder; Markdown percent-encodes the braces in URLs. */
function hasTraffic(value: string): boolean {
  const pattern = new RegExp(TRAFFIC_PLACEHOLDER.source);
  return pattern.test(value) || pattern.test(value.replaceAll('%7B', '{').replaceAll('%7D', '}'));
}

/** A text with placeholders, as text and notes. */
function splitTraffic(value: string): ElementContent[] {
  const parts: ElementContent[] = [];
  let last = 0;
  for (const match of value.matchAll(new RegExp(TRAFFIC_PLACEHOLDER.source, 'g'))) {
    if (match.index > last) parts.push({ type: 'text', value: value.slice(last, match.index) });
    parts.push(note(`${match[0]}: ${TRAFFIC_NOTE}`));
    last = match.index + match[0].length;
  }
  if (last < value.length) parts.push({ type: 'text', value: value.slice(last) });
  return parts;
}

function image(node: Element, context: LessonContext): ElementContent {
  const src = node.properties.src;
  if (typeof src !== 'string') return node;
  const alt = typeof node.properties.alt === 'string' ? node.properties.alt : 'image';
  if (hasTraffic(src)) return note(`${alt}: ${TRAFFIC_NOTE}`);
  const target = resolveLink(src, context.file, context.files);
  if (target.kind === 'missing') return note(`Missing image: ${target.path}`);
  if (target.kind === 'local') {
    if (imageType(target.path) === undefined) return note(`Not an image: ${target.path}`);
    node.properties.src = assetUrl(context.slug, target.path);
  }
  return node;
}

function link(node: Element): ElementContent {
  const href = node.properties.href;
  if (typeof href !== 'string') return node;
  if (hasTraffic(href)) return note(`${toString(node) || href}: ${TRAFFIC_NOTE}`);
  if (/^https?:\/\//i.test(href)) {
    node.properties.target = '_blank';
    node.properties.rel = ['noopener', 'noreferrer'];
  }
  return node;
}

export function rehypeLessonLinks() {
  return (tree: Root, file: VFile): void => {
    const context = file.data.lesson;
    visit(tree, (node, index, parent) => {
      if (parent === undefined || index === undefined) return undefined;
      if (node.type === 'text' && hasTraffic(node.value)) {
        const parts = splitTraffic(node.value);
        parent.children.splice(index, 1, ...parts);
        return [SKIP, index + parts.length];
      }
      if (node.type !== 'element') return undefined;
      if (node.tagName === 'img' && context !== undefined) {
        parent.children[index] = image(node, context);
        return SKIP;
      }
      if (node.tagName === 'a') {
        const replaced = link(node);
        parent.children[index] = replaced;
        return replaced === node ? undefined : SKIP;
      }
      // Code keeps its text (it is what Run types); a note below says what will not work.
      if (node.tagName === 'code' || node.tagName === 'pre') {
        if (!hasTraffic(toString(node))) return SKIP;
        const after: Element =
          node.tagName === 'pre'
            ? { type: 'element', tagName: 'p', properties: {}, children: [note(TRAFFIC_NOTE)] }
            : note(TRAFFIC_NOTE);
        parent.children.splice(index + 1, 0, after);
        return [SKIP, index + 2];
      }
      return undefined;
    });
  };
}
