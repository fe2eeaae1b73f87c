/** One page of a lesson: the intro, a step or the finish. */
export interface Page {
  title: string;
  /** The page's markdown, exactly as the author wrote it. */
  markdown: string;
  /** The page's scripts, as file contents; see PageScripts. */
  scripts: PageScripts;
}

/**
 * Scripts a page may name in index.json (each a file in the scenario folder). Katacoda's
 * `courseData` is read as `background` and `code` as `foreground`.
 */
export interface PageScripts {
  /** Checks the step: passes on exit 0; `FAIL:` lines of its output are hints. */
  verify?: string;
  /** Performs the step (our extension), so `nestbox scenario test` can prove it passable. */
  solve?: string;
  /** Runs hidden in the sandbox when the page opens, e.g. to prepare files. */
  background?: string;
  /** Typed into the terminal when the page opens. */
  foreground?: string;
}

/** A parsed scenario: everything the lesson page needs, already checked. */
export interface Scenario {
  /** The folder name; also the URL segment, `/learn/<slug>`. */
  slug: string;
  title: string;
  description: string;
  /** Free text such as `beginner`; shown on the catalog card when present. */
  difficulty?: string;
  /** Free text such as `10 minutes`; shown on the catalog card when present. */
  time?: string;
  /** `backend.imageid` from index.json: which sandbox image the lesson wants. */
  imageId?: string;
  intro: Page;
  steps: Page[];
  finish: Page | undefined;
  /** Katacoda-era verify scripts pass by printing `done` (index.json "katacodaLegacy": true). */
  legacyVerify: boolean;
}

/**
 * A mistake in a scenario folder, phrased for its author. `file` is relative to the scenario
 * folder (`index.json`, `step1/text.md`) and `line` is 1-based.
 */
export interface ScenarioError {
  file: string;
  line: number;
  message: string;
}

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; errors: ScenarioError[] };
