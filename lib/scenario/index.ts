/**
 * The scenario format (Killercoda's layout, see design.md §6): types and a pure parser.
 * Reading folders from disk lives in server/scenarios/catalog.ts.
 */
export { INDEX_FILE, MAX_SLUG_LENGTH, isValidSlug, parseScenario } from './parse';
export { parseCourse, type Course, type CourseResult } from './course';
export { decodeAction, prepareMarkdown, type CodeAction } from './code-actions';
export type { Page, PageScripts, ParseResult, Scenario, ScenarioError } from './types';
