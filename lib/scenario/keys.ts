/**
 * The keys index.json may hold, object by object, so a typo (`"verfiy"`) becomes a warning
 * that names the key it probably meant instead of a step that silently has no check.
 */

export interface KeySet {
  /** Keys Nestbox reads. */
  known: readonly string[];
  /** Keys Katacoda or Killercoda define that Nestbox accepts and ignores (no warning). */
  ignored: readonly string[];
}

const PAGE: KeySet = {
  known: [
    'title',
    'text',
    'verify',
    'solve',
    'background',
    'foreground',
    'courseData',
    'code',
    'answer',
    'resources',
  ],
  ignored: ['credits'],
};

export const KEYS = {
  root: {
    known: [
      'title',
      'description',
      'difficulty',
      'time',
      'details',
      'backend',
      'interface',
      'environment',
      'katacodaLegacy',
    ],
    // `files`: what Katacoda's editor layout opened; Nestbox has no editor (see layouts).
    ignored: ['id', 'icon', 'type', 'private', 'pathwayId', 'pathwayTitle', 'files'],
  },
  details: { known: ['intro', 'steps', 'finish', 'assets'], ignored: [] },
  page: PAGE,
  asset: { known: ['file', 'target', 'chmod'], ignored: [] },
  backend: { known: ['imageid'], ignored: [] },
  interface: { known: ['layout'], ignored: [] },
  environment: {
    known: ['uilayout', 'terminals'],
    ignored: [
      'uimessage1',
      'uieditorpath',
      'showdashboard',
      'dashboards',
      'hideHiddenFiles',
      'exclusionPatterns',
      'showide',
      'hideintro',
      'hidefinish',
      'hidesidebar',
      'icon',
    ],
  },
  terminal: { known: ['name', 'target', 'command'], ignored: [] },
} as const satisfies Record<string, KeySet>;

/** Edit distance counting a swap of neighbours as one edit (`titel` is one from `title`). */
function distance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      const row = rows[i];
      if (row) row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known key closest to `key`, if one is close enough to be a likely typo. */
export function suggestKey(key: string, candidates: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = candidate.toLowerCase() === lower ? 0 : distance(lower, candidate.toLowerCase());
    if (best === undefined || score < best.score) best = { key: candidate, score };
  }
  const allowed = Math.max(1, Math.floor(key.length / 3));
  return best !== undefined && best.score <= allowed ? best.key : undefined;
}

/**
 * `backend.imageid` values that Nestbox serves with its one base image (Debian with the
 * lesson tools). Kubernetes ids are accepted, with a warning that no cluster is installed.
 */
export const IMAGE_IDS = {
  base: ['debian', 'ubuntu', 'ubuntu-4GB', 'ubuntu:2004', 'ubuntu:2204', 'ubuntu:2404'],
  kubernetes: ['kubernetes-kubeadm-1node', 'kubernetes-kubeadm-2nodes'],
} as const;

/** `interface.layout` / `environment.uilayout` values that need more than a terminal. */
export const UNSUPPORTED_LAYOUT = /ide|editor|iframe|vscode|theia|dashboard/i;
