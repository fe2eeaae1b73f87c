import { readAssets } from './assets';
import { Checker, describeType, INDEX_FILE, normalisePath } from './checker';
import { member, parseJson } from './json';
import type { JsonObject } from './json';
import { KEYS } from './keys';
import type { Page, PageScripts, ParseResult, Scenario } from './types';
import { readEnvironment } from './environment';

/**
 * Turns the files of one scenario folder into a checked `Scenario`.
 *
 * Pure: the caller reads the folder (server/scenarios/catalog.ts) and hands us the contents,
 * so the same code serves the lesson pages, the session API and the authoring CLI. Every
 * mistake we can see is reported at once, each with a file, a line and a way to fix it, so an
 * author fixes a folder in one pass instead of one error per reload.
 */

export { INDEX_FILE };

/**
 * Lowercase letters, digits, dashes and underscores: safe in URLs and as a folder name, never
 * `..`. Underscores because Killercoda's own examples use them (`twitch_sentinel_lab`).
 */
const SLUG = /^[a-z0-9][a-z0-9_-]*$/;
export const MAX_SLUG_LENGTH = 64;

export function isValidSlug(slug: string): boolean {
  return slug.length <= MAX_SLUG_LENGTH && SLUG.test(slug);
}

/** What the parser reads: text files by path, and the paths of every file in the folder. */
interface Folder {
  text: ReadonlyMap<string, string>;
  paths: readonly string[];
}

/** Where a page's markdown is looked for when index.json gives no `text`. */
type TextDefaults = readonly string[];

function readMarkdownPath(
  checker: Checker,
  folder: Folder,
  object: JsonObject,
  where: string,
  defaults: TextDefaults,
): string | undefined {
  if (member(object, 'text') === undefined) {
    const found = defaults.find((candidate) => folder.text.has(candidate));
    if (found !== undefined) return found;
    checker.error(
      object.line,
      `${where} needs a "text" naming its markdown file, for example "text": "${defaults[0] ?? 'step1.md'}" ` +
        `(without one, Nestbox looks for ${defaults.join(' or ')}, and neither exists).`,
    );
    return undefined;
  }
  const text = checker.requiredString(object, 'text', where, `"${defaults[0] ?? 'step1.md'}"`);
  if (text === undefined) return undefined;
  const path = normalisePath(text.value);
  if (path === undefined) {
    checker.error(
      text.line,
      `${where} "text" is "${text.value}", which is not inside the scenario folder. ` +
        'Use a path relative to the folder, such as "step1.md" or "step1/text.md".',
    );
    return undefined;
  }
  if (!path.endsWith('.md')) {
    checker.error(
      text.line,
      `${where} "text" is "${text.value}"; it must name a markdown file ending in .md.`,
    );
    return undefined;
  }
  if (!folder.text.has(path)) {
    checker.error(
      text.line,
      `${where} "text" points at "${path}", but the scenario folder has no such file. ` +
        `Create ${path} or correct the path.`,
    );
    return undefined;
  }
  return path;
}

/** Script keys of a page, with the Katacoda aliases that mean the same thing. */
const SCRIPT_KEYS: readonly (readonly [keyof PageScripts, string])[] = [
  ['verify', 'verify'],
  ['solve', 'solve'],
  ['background', 'background'],
  ['background', 'courseData'],
  ['foreground', 'foreground'],
  ['foreground', 'code'],
];

/** A file named by `key`: its normalised path and content, or undefined after an error. */
function readNamedFile(
  checker: Checker,
  folder: Folder,
  object: JsonObject,
  key: string,
  where: string,
  example: string,
): { path: string; content: string } | undefined {
  const found = member(object, key);
  if (found === undefined || found.value.kind === 'null') return undefined;
  if (found.value.kind !== 'string' || found.value.value.trim() === '') {
    checker.error(
      found.keyLine,
      `${where} "${key}" must name a file, for example "${key}": "${example}".`,
    );
    return undefined;
  }
  const path = normalisePath(found.value.value);
  const content = path === undefined ? undefined : folder.text.get(path);
  if (path === undefined || content === undefined) {
    checker.error(
      found.value.line,
      `${where} "${key}" points at "${found.value.value}", but the scenario folder has no such file. ` +
        'Create it, or correct the path (relative to the scenario folder).',
    );
    return undefined;
  }
  return { path, content };
}

function readScripts(
  checker: Checker,
  folder: Folder,
  object: JsonObject,
  where: string,
  step: number | undefined,
): { scripts: PageScripts; scriptFiles: Page['scriptFiles'] } | undefined {
  const scripts: PageScripts = {};
  const scriptFiles: Page['scriptFiles'] = {};
  let complete = true;
  for (const [role, key] of SCRIPT_KEYS) {
    const declared = member(object, key);
    if (declared === undefined || declared.value.kind === 'null') continue;
    const file = readNamedFile(checker, folder, object, key, where, `step1/${role}.sh`);
    if (file === undefined) {
      complete = false;
      continue;
    }
    if (scripts[role] !== undefined) {
      checker.warn(
        declared.keyLine,
        `${where} has both "${key}" and another key for its ${role} script; "${key}" wins. Keep one.`,
      );
    }
    scripts[role] = file.content;
    scriptFiles[role] = file.path;
  }
  // Our convention: stepN/solve.sh is the step's solve script even when index.json, kept in
  // Killercoda's exact format, does not name it.
  const conventional = step === undefined ? undefined : `step${step}/solve.sh`;
  const solve = conventional === undefined ? undefined : folder.text.get(conventional);
  if (scripts.solve === undefined && conventional !== undefined && solve !== undefined) {
    scripts.solve = solve;
    scriptFiles.solve = conventional;
  }
  return complete ? { scripts, scriptFiles } : undefined;
}

/** How to read one page: its name in messages, and what it defaults to. */
interface PageKind {
  where: string;
  /** Killercoda lets any page leave out its title ("Step 2", "Finish" then stand in). */
  defaultTitle: string;
  /** Markdown files tried, in order, when the page has no `text`. */
  textDefaults: TextDefaults;
  /** The step number, for the stepN/solve.sh convention. */
  step?: number;
}

function readPage(
  checker: Checker,
  folder: Folder,
  object: JsonObject,
  { where, defaultTitle, textDefaults, step }: PageKind,
): Page | undefined {
  checker.checkKeys(object, KEYS.page, where);
  const title = checker.optionalString(object, 'title', where) ?? defaultTitle;
  const file = readMarkdownPath(checker, folder, object, where, textDefaults);
  const scripts = readScripts(checker, folder, object, where, step);
  const answer = readNamedFile(checker, folder, object, 'answer', where, 'step1-answer.md');
  const resources = checker.optionalBoolean(object, 'resources', where);
  const markdown = file === undefined ? undefined : folder.text.get(file);
  if (file === undefined || markdown === undefined) return undefined;
  if (scripts === undefined) return undefined;
  const page: Page = { title, file, markdown, ...scripts, line: object.line };
  if (answer !== undefined) page.answer = answer.content;
  if (resources === true) page.resources = true;
  return checkSizes(checker, page, answer?.path) ? page : undefined;
}

/** A page's markdown is rendered on every request; a longer page is a book, not a step. */
const MAX_PAGE_BYTES = 256 * 1024;
/** Scripts reach the sandbox as one argument of exec, and Linux caps one argument at 128 KiB. */
const MAX_SCRIPT_BYTES = 100 * 1024;

function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Reports, at the file itself, each file of `page` too large for its use; true if none is. */
function checkSizes(checker: Checker, page: Page, answerFile: string | undefined): boolean {
  const files: [string | undefined, string | undefined, number, string][] = [
    [page.file, page.markdown, MAX_PAGE_BYTES, 'split the page into steps'],
    [answerFile, page.answer, MAX_PAGE_BYTES, 'shorten the solution'],
    ...Object.entries(page.scriptFiles).map(
      ([role, path]): [string, string | undefined, number, string] => [
        path,
        page.scripts[role as keyof PageScripts],
        MAX_SCRIPT_BYTES,
        'a script reaches the sandbox as one command-line argument; put data in assets/ and ' +
          'let the script read it from there',
      ],
    ),
  ];
  let fits = true;
  for (const [path, text, limit, fix] of files) {
    if (path === undefined || text === undefined) continue;
    const size = utf8Length(text);
    if (size <= limit) continue;
    checker.error(1, `${path} is ${size} bytes, more than ${limit}; ${fix}.`, path);
    fits = false;
  }
  return fits;
}

/** Far more than any lesson needs; it bounds the pages one scenario makes the server render. */
const MAX_STEPS = 100;

/** The steps; none at all is a playground, a terminal with an intro (Killercoda allows it). */
function readSteps(checker: Checker, folder: Folder, details: JsonObject): Page[] | undefined {
  const found = member(details, 'steps');
  if (found === undefined || found.value.kind === 'null') return [];
  if (found.value.kind !== 'array') {
    checker.error(
      found.keyLine,
      `"details.steps" must be a list [ ... ] of steps, not ${describeType(found.value)}.`,
    );
    return undefined;
  }
  if (found.value.items.length > MAX_STEPS) {
    checker.error(
      found.keyLine,
      `"details.steps" has ${found.value.items.length} steps; the limit is ${MAX_STEPS}. ` +
        'Split the lesson into several scenarios and list them in a course (structure.json).',
    );
    return undefined;
  }
  const steps: Page[] = [];
  let complete = true;
  for (const [index, item] of found.value.items.entries()) {
    const number = index + 1;
    const where = `Step ${number}`;
    if (item.kind !== 'object') {
      checker.error(
        item.line,
        `${where} must be an object { "title": "...", "text": "step${number}.md" }, not ${describeType(item)}.`,
      );
      complete = false;
      continue;
    }
    const textDefaults = [`step${number}/text.md`, `step${number}.md`];
    const page = readPage(checker, folder, item, {
      where,
      defaultTitle: where,
      textDefaults,
      step: number,
    });
    if (page === undefined) complete = false;
    else steps.push(page);
  }
  return complete ? steps : undefined;
}

function checkDuplicateTitles(checker: Checker, steps: readonly Page[]): void {
  const seen = new Map<string, number>();
  for (const [index, step] of steps.entries()) {
    const key = step.title.trim().toLowerCase();
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index + 1);
      continue;
    }
    checker.warn(
      step.line,
      `Step ${index + 1} has the same title as step ${first}, "${step.title}"; give each step its own title so learners can tell them apart.`,
    );
  }
}

const INTRO_FILE = 'intro.md';

/** An object index.json left out, read as if written `{}` at `line`. */
function emptyObject(line: number): JsonObject {
  return { kind: 'object', line, members: [] };
}

/**
 * The intro of a scenario that has neither `details.intro` nor intro.md, as Killercoda's
 * examples often do: the description stands in, and the lint says to write intro.md.
 */
function descriptionIntro(description: string): Page {
  return {
    title: 'Introduction',
    file: INTRO_FILE,
    markdown: description,
    scripts: {},
    scriptFiles: {},
    line: 1,
  };
}

function singleError(line: number, message: string): ParseResult {
  return { ok: false, errors: [{ file: INDEX_FILE, line, message }], warnings: [] };
}

/**
 * `files` holds the text files (markdown, scripts, JSON) by '/'-separated relative path;
 * `paths`, when given, lists every file in the folder, images and assets included.
 */
export function parseScenario(
  slug: string,
  files: ReadonlyMap<string, string>,
  paths: readonly string[] = [...files.keys()],
): ParseResult {
  if (!isValidSlug(slug)) {
    return singleError(
      1,
      `The folder name "${slug}" cannot be a scenario slug. Rename the folder using only ` +
        `lowercase letters, digits, dashes and underscores (at most ${MAX_SLUG_LENGTH}), starting with a letter or digit.`,
    );
  }
  const source = files.get(INDEX_FILE);
  if (source === undefined) {
    return singleError(
      1,
      'The scenario folder has no index.json. Create one with at least a "title", a ' +
        '"description" and "details" listing the intro and steps.',
    );
  }
  const json = parseJson(source);
  if (!json.ok) {
    return singleError(json.line, `Invalid JSON at column ${json.column}: ${json.message}.`);
  }
  const root = json.value;
  if (root.kind !== 'object') {
    return singleError(
      root.line,
      `index.json must hold one object { ... }, not ${describeType(root)}.`,
    );
  }

  const folder: Folder = { text: files, paths: [...new Set([...paths, ...files.keys()])].sort() };
  const checker = new Checker();
  checker.checkKeys(root, KEYS.root, 'index.json');
  const title = checker.requiredString(root, 'title', 'index.json', '"Your first sandbox"');
  // Killercoda treats the description as optional; an empty one just leaves the card bare.
  const description = checker.optionalString(root, 'description', 'index.json') ?? '';
  const difficulty = checker.optionalString(root, 'difficulty', 'index.json');
  const time = checker.optionalString(root, 'time', 'index.json');

  const environment = readEnvironment(checker, root);

  const legacy = member(root, 'katacodaLegacy');
  if (legacy !== undefined && legacy.value.kind !== 'boolean') {
    checker.error(legacy.keyLine, 'index.json "katacodaLegacy" must be true or false.');
  }

  // Killercoda's smallest scenario is a title and an image id: no details, no intro, no steps.
  const details = checker.object(root, 'details', 'index.json') ?? emptyObject(root.line);
  checker.checkKeys(details, KEYS.details, '"details"');
  const introObject = checker.object(details, 'intro', '"details"');
  const intro =
    introObject !== undefined || folder.text.has(INTRO_FILE)
      ? readPage(checker, folder, introObject ?? emptyObject(details.line), {
          where: 'The intro',
          defaultTitle: 'Introduction',
          textDefaults: [INTRO_FILE],
        })
      : descriptionIntro(description);
  const steps = readSteps(checker, folder, details);
  if (steps !== undefined) checkDuplicateTitles(checker, steps);
  const finishObject = checker.object(details, 'finish', '"details"');
  const finish =
    finishObject === undefined
      ? undefined
      : readPage(checker, folder, finishObject, {
          where: 'The finish',
          defaultTitle: 'Finish',
          textDefaults: ['finish.md'],
        });
  const assets = readAssets(checker, details, folder.paths);

  const { errors, warnings } = checker;
  if (errors.length > 0 || title === undefined || intro === undefined || steps === undefined) {
    return { ok: false, errors, warnings };
  }
  const scenario: Scenario = {
    slug,
    title: title.value,
    description,
    ...environment,
    assets,
    intro,
    steps,
    finish,
    legacyVerify: legacy?.value.kind === 'boolean' && legacy.value.value,
    files: folder.paths.slice(),
  };
  if (difficulty !== undefined) scenario.difficulty = difficulty;
  if (time !== undefined) scenario.time = time;
  return { ok: true, scenario, warnings };
}
