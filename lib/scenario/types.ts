/** One page of a lesson: the intro, a step or the finish. */
export interface Page {
  title: string;
  /** The markdown file, relative to the scenario folder (`step1/text.md`); images resolve
   *  against its folder. */
  file: string;
  /** The page's markdown, exactly as the author wrote it. */
  markdown: string;
  /** Katacoda's `answer`: markdown shown under the step as a collapsed solution. */
  answer?: string;
  /** `"resources": true` (our extension): opening the page opens the Resources panel, so the
   *  learner watches the sandbox's pids, memory and CPU graphs while doing the step. */
  resources?: boolean;
  /** The page's scripts, as file contents; see PageScripts. */
  scripts: PageScripts;
  /** Where each script came from, relative to the scenario folder (`step1/verify.sh`). */
  scriptFiles: Partial<Record<keyof PageScripts, string>>;
  /** The line of index.json that declares the page, for messages about it. */
  line: number;
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

/**
 * One `details.assets.host01[]` entry, resolved against the folder's `assets/` directory:
 * every match of `pattern` is copied into `target` in the sandbox, as `cp -r` would.
 */
export interface AssetCopy {
  /** The glob as the author wrote it, relative to `assets/`. */
  pattern: string;
  /** What it matched: paths relative to `assets/`, each a file or a whole folder. */
  matches: AssetMatch[];
  /** Absolute directory in the sandbox (`~` already expanded to /root). */
  target: string;
  /** A chmod mode (`+x`, `755`) applied to every copied file, when given. */
  chmod?: string;
}

export interface AssetMatch {
  /** The matched path, relative to `assets/`. */
  path: string;
  /** The files to copy: paths relative to `assets/`, each with where it lands. */
  files: { source: string; destination: string }[];
}

/** An extra terminal tab opened with the lesson (Katacoda's `environment.terminals`). */
export interface TerminalTab {
  name: string;
  /** Typed into the tab when it opens, if set. */
  command?: string;
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
  /** `interface.layout` (Killercoda) or `environment.uilayout` (Katacoda), as written. */
  layout?: string;
  /** Extra terminal tabs (Katacoda's `environment.terminals`). */
  terminals: TerminalTab[];
  /** Files copied into the sandbox before the intro (`details.assets.host01`). */
  assets: AssetCopy[];
  intro: Page;
  steps: Page[];
  finish: Page | undefined;
  /** Katacoda-era verify scripts pass by printing `done` (index.json "katacodaLegacy": true). */
  legacyVerify: boolean;
  /** Every file in the folder (relative, sorted), so links and images can be resolved. */
  files: string[];
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

/** What the parser found: errors keep the scenario out; warnings (unknown keys) do not. */
export type ParseResult =
  | { ok: true; scenario: Scenario; warnings: ScenarioError[] }
  | { ok: false; errors: ScenarioError[]; warnings: ScenarioError[] };
