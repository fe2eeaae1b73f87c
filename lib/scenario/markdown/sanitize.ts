import type { Options as SanitizeSchema } from 'rehype-sanitize';

/**
 * What lesson markdown may produce, listed in full rather than inherited, so a library update
 * cannot widen it. It is what Markdown and GitHub-flavoured extensions generate, plus
 * `<details>`/`<summary>` for collapsible solutions; any other raw HTML is unwrapped to its
 * text (and `<script>`/`<style>` dropped with their content). No event handlers, no `style`,
 * no `class` except `language-*` on code, and links only to http(s) and mailto.
 *
 * Our own markup (buttons, data attributes, highlighting) is added after sanitising, by code
 * that trusts only the tree, never the author's HTML.
 */
export const LESSON_SCHEMA: SanitizeSchema = {
  tagNames: [
    'a',
    'blockquote',
    'br',
    'code',
    'del',
    'details',
    'em',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'img',
    'input',
    'kbd',
    'li',
    'ol',
    'p',
    'pre',
    'strong',
    'sub',
    'summary',
    'sup',
    'table',
    'tbody',
    'td',
    'th',
    'thead',
    'tr',
    'ul',
  ],
  attributes: {
    a: ['href', 'title'],
    // `data-meta` carries a fence's meta string (actions, line highlights) past rehype-raw.
    code: [['className', /^language-./], 'dataMeta'],
    details: ['open'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    // GFM task lists render as disabled checkboxes, and nothing else may be an input.
    input: [['type', 'checkbox'], ['disabled', true], 'checked'],
    li: [['className', 'task-list-item']],
    ol: ['start'],
    td: ['align'],
    th: ['align'],
  },
  required: { input: { type: 'checkbox', disabled: true } },
  protocols: { href: ['http', 'https', 'mailto'], src: ['http', 'https'] },
  ancestors: {
    li: ['ol', 'ul'],
    tbody: ['table'],
    td: ['table'],
    th: ['table'],
    thead: ['table'],
    tr: ['table'],
    summary: ['details'],
  },
  strip: ['script', 'style'],
  clobberPrefix: 'user-content-',
  clobber: [],
};
