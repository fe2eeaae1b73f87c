/** One page of a lesson: the intro, a step or the finish. */
export interface Page {
  title: string;
  /** The page's markdown, exactly as the author wrote it. */
  markdown: string;
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
