/**
 * Courses: Killercoda's `structure.json` ({title, description, items: [{path}]}) at the top of
 * the scenarios folder, grouping scenarios in order. Pure: text in, a course or a reason out.
 */
export interface Course {
  title: string;
  description: string;
  /** Scenario slugs, in course order. */
  slugs: string[];
}

export type CourseResult = { ok: true; course: Course } | { ok: false; message: string };

export function parseCourse(text: string): CourseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `structure.json is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null) {
    return { ok: false, message: 'structure.json must hold one object { "title", "items" }.' };
  }
  const { title, description, items } = value as Record<string, unknown>;
  if (typeof title !== 'string' || title.trim() === '') {
    return { ok: false, message: 'structure.json needs a "title".' };
  }
  if (!Array.isArray(items) || items.length === 0) {
    return {
      ok: false,
      message: 'structure.json needs "items": [{ "path": "<scenario folder>" }, ...].',
    };
  }
  const slugs: string[] = [];
  for (const item of items) {
    const path =
      typeof item === 'object' && item !== null
        ? (item as Record<string, unknown>).path
        : undefined;
    if (typeof path !== 'string' || path === '') {
      return {
        ok: false,
        message: 'Every structure.json item needs a "path" naming a scenario folder.',
      };
    }
    slugs.push(path.replace(/^\.\//, '').replace(/\/$/, ''));
  }
  return {
    ok: true,
    course: { title, description: typeof description === 'string' ? description : '', slugs },
  };
}
