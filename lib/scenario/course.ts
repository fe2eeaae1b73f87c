import { describeType } from './checker';
import { member, parseJson, type JsonObject, type JsonValue } from './json';

/**
 * Courses group scenarios in order. Two formats, both at the top of the scenarios folder:
 * Killercoda's `structure.json` ({title, description, items: [{path}]}) and Katacoda's
 * `<name>-pathway.json` ({title, description, courses: [{course_id}]}). Pure: text in, a course
 * or a located reason out.
 */
export interface Course {
  title: string;
  description: string;
  /** Scenario slugs, in course order. */
  slugs: string[];
  /** The line of each slug's item in the file, in the same order, for messages. */
  lines: number[];
}

export type CourseResult =
  { ok: true; course: Course } | { ok: false; line: number; message: string };

export const STRUCTURE_FILE = 'structure.json';
export const PATHWAY_SUFFIX = '-pathway.json';

/** The file formats: which list holds the scenarios and which key of an item names one. */
const FORMATS = {
  structure: { list: 'items', key: 'path', example: '"items": [{ "path": "my-lesson" }]' },
  pathway: {
    list: 'courses',
    key: 'course_id',
    example: '"courses": [{ "course_id": "my-lesson" }]',
  },
} as const;

const DEFAULT_TITLE = 'Lessons';

function fail(line: number, message: string): CourseResult {
  return { ok: false, line, message };
}

function slugOf(item: JsonValue, key: string): string | undefined {
  if (item.kind !== 'object') return undefined;
  const found = member(item, key);
  if (found?.value.kind !== 'string' || found.value.value.trim() === '') return undefined;
  return found.value.value.trim().replace(/^\.\//, '').replace(/\/+$/, '');
}

function stringField(object: JsonObject, key: string): string | undefined {
  const found = member(object, key);
  return found?.value.kind === 'string' ? found.value.value : undefined;
}

function parseCourseFile(text: string, format: keyof typeof FORMATS, file: string): CourseResult {
  const { list, key, example } = FORMATS[format];
  const json = parseJson(text);
  if (!json.ok)
    return fail(json.line, `${file} is not valid JSON (column ${json.column}): ${json.message}.`);
  const root = json.value;
  if (root.kind !== 'object') {
    return fail(root.line, `${file} must hold one object { "title", ${JSON.stringify(list)} }.`);
  }
  // Killercoda's own structure.json files often have no title; the list then gets a plain one.
  const title = stringField(root, 'title')?.trim() || DEFAULT_TITLE;
  const items = member(root, list);
  if (items?.value.kind !== 'array' || items.value.items.length === 0) {
    const found = items === undefined ? 'none' : describeType(items.value);
    return fail(
      items?.keyLine ?? root.line,
      `${file} needs a non-empty list ${example} (found ${found}).`,
    );
  }
  const slugs: string[] = [];
  const lines: number[] = [];
  for (const item of items.value.items) {
    const slug = slugOf(item, key);
    if (slug === undefined) {
      return fail(item.line, `Every item of "${list}" needs a "${key}" naming a scenario folder.`);
    }
    slugs.push(slug);
    lines.push(item.line);
  }
  const description = stringField(root, 'description') ?? '';
  return { ok: true, course: { title, description, slugs, lines } };
}

export function parseCourse(text: string): CourseResult {
  return parseCourseFile(text, 'structure', STRUCTURE_FILE);
}

export function parsePathway(text: string, file = `course${PATHWAY_SUFFIX}`): CourseResult {
  return parseCourseFile(text, 'pathway', file);
}
