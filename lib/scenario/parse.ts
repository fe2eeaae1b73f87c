import { member, parseJson } from './json';
import type { JsonObject, JsonValue } from './json';
import type { Page, PageScripts, ParseResult, Scenario, ScenarioError } from './types';

/**
 * Turns the files of one scenario folder into a checked `Scenario`.
 *
 * Pure: the caller reads the folder (server/scenarios/catalog.ts) and hands us the contents,
 * so the same code serves the lesson pages, the session API and the authoring CLI. Every
 * mistake we can see is reported at once, each with a file, a line and a way to fix it, so an
 * author fixes a folder in one pass instead of one error per reload.
 */

export const INDEX_FILE = 'index.json';

/** Lowercase letters, digits and dashes: safe in URLs and as a folder name, never `..`. */
const SLUG = /^[a-z0-9][a-z0-9-]*$/;
export const MAX_SLUG_LENGTH = 64;

export function isValidSlug(slug: string): boolean {
  return slug.length <= MAX_SLUG_LENGTH && SLUG.test(slug);
}

/** Collects errors against index.json while the checks below walk it. */
class Checker {
  readonly errors: ScenarioError[] = [];

  error(line: number, message: string): void {
    this.errors.push({ file: INDEX_FILE, line, message });
  }

  /** An optional string field; reports a wrong type and returns undefined. */
  optionalString(object: JsonObject, key: string, where: string): string | undefined {
    const found = member(object, key);
    if (found === undefined || found.value.kind === 'null') return undefined;
    if (found.value.kind !== 'string') {
      this.error(found.keyLine, `${where} "${key}" must be a string in double quotes.`);
      return undefined;
    }
    return found.value.value;
  }

  /** A required, non-empty string field. `example` shows the author what to write. */
  requiredString(
    object: JsonObject,
    key: string,
    where: string,
    example: string,
  ): { value: string; line: number } | undefined {
    const found = member(object, key);
    if (found === undefined) {
      this.error(object.line, `${where} needs a "${key}", for example "${key}": ${example}.`);
      return undefined;
    }
    if (found.value.kind !== 'string' || found.value.value.trim() === '') {
      this.error(
        found.keyLine,
        `${where} "${key}" must be a non-empty string, for example "${key}": ${example}.`,
      );
      return undefined;
    }
    return { value: found.value.value, line: found.value.line };
  }

  /** An object-valued field; `required` decides whether absence is an error. */
  object(
    parent: JsonObject,
    key: string,
    where: string,
    required: boolean,
  ): JsonObject | undefined {
    const found = member(parent, key);
    if (found === undefined || (!required && found.value.kind === 'null')) {
      if (required) this.error(parent.line, `${where} needs a "${key}" object.`);
      return undefined;
    }
    if (found.value.kind !== 'object') {
      this.error(found.keyLine, `${where} "${key}" must be an object: { ... }.`);
      return undefined;
    }
    return found.value;
  }
}

/**
 * Normalises a `text` path from index.json to a key of `files`. Paths are relative to the
 * scenario folder; `./` prefixes and backslashes are forgiven, escaping the folder is not.
 */
function normalisePath(path: string): string | undefined {
  const parts = path.replaceAll('\\', '/').split('/');
  const kept: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    kept.push(part);
  }
  if (path.startsWith('/') || path.startsWith('\\') || kept.length === 0) return undefined;
  return kept.join('/');
}

function readPage(
  checker: Checker,
  files: ReadonlyMap<string, string>,
  object: JsonObject,
  where: string,
  defaultTitle: string | undefined,
  exampleFile: string,
): Page | undefined {
  const title =
    defaultTitle === undefined
      ? checker.requiredString(object, 'title', where, '"Look around"')?.value
      : (checker.optionalString(object, 'title', where) ?? defaultTitle);
  const text = checker.requiredString(object, 'text', where, `"${exampleFile}"`);
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
  const markdown = files.get(path);
  if (markdown === undefined) {
    checker.error(
      text.line,
      `${where} "text" points at "${path}", but the scenario folder has no such file. ` +
        `Create ${path} or correct the path.`,
    );
    return undefined;
  }
  const scripts = readScripts(checker, files, object, where);
  return title === undefined || scripts === undefined ? undefined : { title, markdown, scripts };
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

function readScripts(
  checker: Checker,
  files: ReadonlyMap<string, string>,
  object: JsonObject,
  where: string,
): PageScripts | undefined {
  const scripts: PageScripts = {};
  let complete = true;
  for (const [role, key] of SCRIPT_KEYS) {
    const found = member(object, key);
    if (found === undefined || found.value.kind === 'null') continue;
    if (found.value.kind !== 'string' || found.value.value.trim() === '') {
      checker.error(
        found.keyLine,
        `${where} "${key}" must name a script file, for example "${key}": "step1/${role}.sh".`,
      );
      complete = false;
      continue;
    }
    const path = normalisePath(found.value.value);
    const content = path === undefined ? undefined : files.get(path);
    if (content === undefined) {
      checker.error(
        found.value.line,
        `${where} "${key}" points at "${found.value.value}", but the scenario folder has no such file. ` +
          'Create it, or correct the path (relative to the scenario folder).',
      );
      complete = false;
      continue;
    }
    scripts[role] = content;
  }
  return complete ? scripts : undefined;
}

function describeType(value: JsonValue): string {
  return value.kind === 'array' ? 'a list' : `a ${value.kind}`;
}

function readSteps(
  checker: Checker,
  files: ReadonlyMap<string, string>,
  details: JsonObject,
): Page[] | undefined {
  const found = member(details, 'steps');
  if (found === undefined) {
    checker.error(
      details.line,
      '"details" needs a "steps" list, for example "steps": [{ "title": "Look around", "text": "step1.md" }].',
    );
    return undefined;
  }
  if (found.value.kind !== 'array') {
    checker.error(
      found.keyLine,
      `"details.steps" must be a list [ ... ] of steps, not ${describeType(found.value)}.`,
    );
    return undefined;
  }
  if (found.value.items.length === 0) {
    checker.error(
      found.keyLine,
      '"details.steps" is empty; add at least one step: { "title": "...", "text": "step1.md" }.',
    );
    return undefined;
  }
  const steps: Page[] = [];
  let complete = true;
  for (const [index, item] of found.value.items.entries()) {
    const where = `Step ${index + 1}`;
    if (item.kind !== 'object') {
      checker.error(
        item.line,
        `${where} must be an object { "title": "...", "text": "step${index + 1}.md" }, not ${describeType(item)}.`,
      );
      complete = false;
      continue;
    }
    const page = readPage(checker, files, item, where, undefined, `step${index + 1}.md`);
    if (page === undefined) complete = false;
    else steps.push(page);
  }
  return complete ? steps : undefined;
}

export function parseScenario(slug: string, files: ReadonlyMap<string, string>): ParseResult {
  if (!isValidSlug(slug)) {
    return {
      ok: false,
      errors: [
        {
          file: INDEX_FILE,
          line: 1,
          message:
            `The folder name "${slug}" cannot be a scenario slug. Rename the folder using only ` +
            `lowercase letters, digits and dashes (at most ${MAX_SLUG_LENGTH}), starting with a letter or digit.`,
        },
      ],
    };
  }

  const source = files.get(INDEX_FILE);
  if (source === undefined) {
    return {
      ok: false,
      errors: [
        {
          file: INDEX_FILE,
          line: 1,
          message:
            'The scenario folder has no index.json. Create one with at least a "title", a ' +
            '"description" and "details" listing the intro and steps.',
        },
      ],
    };
  }

  const json = parseJson(source);
  if (!json.ok) {
    return {
      ok: false,
      errors: [
        {
          file: INDEX_FILE,
          line: json.line,
          message: `Invalid JSON at column ${json.column}: ${json.message}.`,
        },
      ],
    };
  }
  const root = json.value;
  if (root.kind !== 'object') {
    return {
      ok: false,
      errors: [
        {
          file: INDEX_FILE,
          line: root.line,
          message: `index.json must hold one object { ... }, not ${describeType(root)}.`,
        },
      ],
    };
  }

  const checker = new Checker();
  const title = checker.requiredString(root, 'title', 'index.json', '"Your first sandbox"');
  // Killercoda treats the description as optional; an empty one just leaves the card bare.
  const description = checker.optionalString(root, 'description', 'index.json') ?? '';
  const difficulty = checker.optionalString(root, 'difficulty', 'index.json');
  const time = checker.optionalString(root, 'time', 'index.json');
  const backend = checker.object(root, 'backend', 'index.json', false);
  const imageId =
    backend === undefined ? undefined : checker.optionalString(backend, 'imageid', '"backend"');
  const legacy = member(root, 'katacodaLegacy');
  if (legacy !== undefined && legacy.value.kind !== 'boolean') {
    checker.error(legacy.keyLine, 'index.json "katacodaLegacy" must be true or false.');
  }

  const details = checker.object(root, 'details', 'index.json', true);
  let intro: Page | undefined;
  let steps: Page[] | undefined;
  let finish: Page | undefined;
  if (details !== undefined) {
    const introObject = checker.object(details, 'intro', '"details"', true);
    if (introObject !== undefined) {
      intro = readPage(checker, files, introObject, 'The intro', 'Introduction', 'intro.md');
    }
    steps = readSteps(checker, files, details);
    const finishObject = checker.object(details, 'finish', '"details"', false);
    if (finishObject !== undefined) {
      finish = readPage(checker, files, finishObject, 'The finish', 'Finish', 'finish.md');
    }
  }

  if (
    checker.errors.length > 0 ||
    title === undefined ||
    intro === undefined ||
    steps === undefined
  ) {
    return { ok: false, errors: checker.errors };
  }
  const scenario: Scenario = {
    slug,
    title: title.value,
    description,
    intro,
    steps,
    finish,
    legacyVerify: legacy?.value.kind === 'boolean' && legacy.value.value,
  };
  if (difficulty !== undefined) scenario.difficulty = difficulty;
  if (time !== undefined) scenario.time = time;
  if (imageId !== undefined) scenario.imageId = imageId;
  return { ok: true, scenario };
}
