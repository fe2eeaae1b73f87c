/**
 * The scenario format (Killercoda's layout, see design.md §6): types and a pure parser. The
 * lint behind `nestbox scenario check` (./lint) and the lesson renderer (./markdown/render) are
 * imported from their own modules, so what loads the catalog does not load them. Reading
 * folders from disk lives in server/scenarios/catalog.ts.
 */
export { INDEX_FILE, MAX_SLUG_LENGTH, isValidSlug, parseScenario } from './parse';
export { ASSETS_DIR } from './assets';
export {
  parseCourse,
  parsePathway,
  PATHWAY_SUFFIX,
  STRUCTURE_FILE,
  type Course,
  type CourseResult,
} from './course';
export { ctrlSeqToKeys, type CodeAction } from './code-actions';
export type {
  AssetCopy,
  AssetMatch,
  Page,
  PageScripts,
  ParseResult,
  Scenario,
  ScenarioError,
  TerminalTab,
} from './types';
