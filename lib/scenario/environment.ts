import { Checker, describeType } from './checker';
import { member, type JsonObject } from './json';
import { IMAGE_IDS, KEYS, suggestKey, UNSUPPORTED_LAYOUT } from './keys';
import type { Scenario, TerminalTab } from './types';

/**
 * Where a lesson runs and how it looks: `backend.imageid`, Killercoda's `interface.layout`, and
 * Katacoda's `environment` (`uilayout`, `terminals`). Nestbox has one image and shows terminals
 * beside the text, so most of this is read to warn about what it cannot honour.
 */

/** Warns about an imageid Nestbox has no image for; the lesson still gets the base image. */
function checkImageId(checker: Checker, backend: JsonObject | undefined): void {
  const found = backend === undefined ? undefined : member(backend, 'imageid');
  if (found?.value.kind !== 'string') return;
  const id = found.value.value;
  const known: readonly string[] = [...IMAGE_IDS.base, ...IMAGE_IDS.kubernetes];
  if ((IMAGE_IDS.kubernetes as readonly string[]).includes(id)) {
    checker.warn(
      found.keyLine,
      `"backend.imageid" is "${id}", but Nestbox's sandbox image has no Kubernetes; the lesson ` +
        'runs in the base Debian image.',
    );
  } else if (!known.includes(id)) {
    const suggestion = suggestKey(id, known);
    checker.warn(
      found.keyLine,
      `"backend.imageid" is "${id}", which Nestbox does not know; the lesson runs in the base ` +
        `Debian image. ${suggestion === undefined ? `Known ids: ${known.join(', ')}.` : `Did you mean "${suggestion}"?`}`,
    );
  }
}

function checkLayout(checker: Checker, layout: string | undefined, line: number): void {
  if (layout !== undefined && UNSUPPORTED_LAYOUT.test(layout)) {
    checker.warn(
      line,
      `The layout "${layout}" needs an editor or a web view; Nestbox shows the lesson beside terminals only.`,
    );
  }
}

/** `environment.terminals`: extra tabs (Katacoda); only the one machine, host01, exists. */
function readTerminals(checker: Checker, environment: JsonObject | undefined): TerminalTab[] {
  const found = environment === undefined ? undefined : member(environment, 'terminals');
  if (found === undefined || found.value.kind === 'null') return [];
  if (found.value.kind !== 'array') {
    checker.error(
      found.keyLine,
      `"environment.terminals" must be a list [{ "name": "Terminal 2" }], not ${describeType(found.value)}.`,
    );
    return [];
  }
  const tabs: TerminalTab[] = [];
  for (const [index, item] of found.value.items.entries()) {
    const where = `Terminal ${index + 1}`;
    if (item.kind !== 'object') {
      checker.error(item.line, `${where} must be an object { "name": "Terminal 2" }.`);
      continue;
    }
    checker.checkKeys(item, KEYS.terminal, where);
    const name = checker.requiredString(item, 'name', where, '"Terminal 2"');
    const target = checker.optionalString(item, 'target', where);
    const command = checker.optionalString(item, 'command', where);
    if (target !== undefined && target !== 'host01') {
      checker.warn(item.line, `${where} targets "${target}"; Nestbox has one machine, host01.`);
    }
    if (name !== undefined) tabs.push({ name: name.value, ...(command ? { command } : {}) });
  }
  return tabs;
}

export function readEnvironment(
  checker: Checker,
  root: JsonObject,
): Pick<Scenario, 'imageId' | 'layout' | 'terminals'> {
  const backend = checker.object(root, 'backend', 'index.json');
  if (backend !== undefined) checker.checkKeys(backend, KEYS.backend, '"backend"');
  const ui = checker.object(root, 'interface', 'index.json');
  if (ui !== undefined) checker.checkKeys(ui, KEYS.interface, '"interface"');
  const environment = checker.object(root, 'environment', 'index.json');
  if (environment !== undefined) checker.checkKeys(environment, KEYS.environment, '"environment"');

  const imageId =
    backend === undefined ? undefined : checker.optionalString(backend, 'imageid', '"backend"');
  checkImageId(checker, backend);
  // Killercoda's key wins over Katacoda's when a folder has both.
  const layoutKey =
    (ui === undefined ? undefined : member(ui, 'layout')) ??
    (environment === undefined ? undefined : member(environment, 'uilayout'));
  const layout =
    (ui === undefined ? undefined : checker.optionalString(ui, 'layout', '"interface"')) ??
    (environment === undefined
      ? undefined
      : checker.optionalString(environment, 'uilayout', '"environment"'));
  checkLayout(checker, layout, layoutKey?.keyLine ?? root.line);
  return {
    ...(imageId === undefined ? {} : { imageId }),
    ...(layout === undefined ? {} : { layout }),
    terminals: readTerminals(checker, environment),
  };
}
