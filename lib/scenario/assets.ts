import { Checker, describeType } from './checker';
import { MAX_PATTERN_LENGTH, matchGlob } from './glob';
import { member, type JsonObject } from './json';
import { KEYS } from './keys';
import type { AssetCopy, AssetMatch } from './types';

/**
 * `details.assets`: `{ "host01": [{ "file": "<glob in assets/>", "target": "~/", "chmod": "+x" }] }`.
 * Each glob is matched now, against the folder's files, so a pattern that matches nothing is
 * an error at its line rather than a lesson that starts without its files.
 */

export const ASSETS_DIR = 'assets';
/** The one machine a Nestbox lesson has; Killercoda calls its first host `host01`. */
export const HOST = 'host01';
/** The kernel's own filesystems in the sandbox: files cannot be copied into them. The rest of
 *  the root is writable (each sandbox writes to a layer of its own over the image). */
const KERNEL_DIRS = ['/proc', '/sys', '/dev'] as const;

/** chmod's numeric and symbolic modes: `755`, `+x`, `u+rwx,go-w`. */
const CHMOD = /^(?:[0-7]{3,4}|[ugoa]*[-+=][rwxXst]*(?:,[ugoa]*[-+=][rwxXst]*)*)$/;

/** `~` and `~/x` become /root and /root/x; the result has no `..` and no trailing slash. */
function sandboxPath(target: string): string | undefined {
  const expanded = target === '~' ? '/root' : target.replace(/^~\//, '/root/');
  if (!expanded.startsWith('/')) return undefined;
  const parts = expanded.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return undefined;
  return `/${parts.join('/')}`;
}

/** The kernel filesystem `path` is in, if it is in one. */
function kernelDirOf(path: string): string | undefined {
  return KERNEL_DIRS.find((dir) => path === dir || path.startsWith(`${dir}/`));
}

function expand(match: string, target: string, files: readonly string[]): AssetMatch {
  const parent = match.includes('/') ? match.slice(0, match.lastIndexOf('/') + 1) : '';
  const inside = files.filter((file) => file === match || file.startsWith(`${match}/`));
  return {
    path: match,
    files: inside.map((source) => ({
      source,
      destination: `${target === '/' ? '' : target}/${source.slice(parent.length)}`,
    })),
  };
}

function readEntry(
  checker: Checker,
  item: JsonObject,
  where: string,
  assetFiles: readonly string[],
): AssetCopy | undefined {
  checker.checkKeys(item, KEYS.asset, where);
  const pattern = checker.requiredString(item, 'file', where, '"setup.sh"');
  const target = checker.requiredString(item, 'target', where, '"~/"');
  const chmod = checker.optionalString(item, 'chmod', where);
  if (pattern === undefined || target === undefined) return undefined;

  const chmodLine = member(item, 'chmod')?.keyLine ?? item.line;
  if (chmod !== undefined && !CHMOD.test(chmod)) {
    checker.error(
      chmodLine,
      `${where} "chmod" is "${chmod}", which chmod does not understand; use a mode such as "+x" or "755".`,
    );
  }
  const destination = sandboxPath(target.value);
  if (destination === undefined) {
    checker.error(
      target.line,
      `${where} "target" is "${target.value}"; use an absolute folder such as "/root/app" or "~/".`,
    );
    return undefined;
  }
  const kernelDir = kernelDirOf(destination);
  if (kernelDir !== undefined) {
    checker.error(
      target.line,
      `${where} "target" is ${destination}, in ${kernelDir}, the kernel's own filesystem, ` +
        'which takes no files. Copy anywhere else, for example "target": "/usr/local/bin" or "~/".',
    );
    return undefined;
  }
  if (pattern.value.length > MAX_PATTERN_LENGTH) {
    checker.error(
      pattern.line,
      `${where} "file" is ${pattern.value.length} characters long; a pattern may have at most ${MAX_PATTERN_LENGTH}.`,
    );
    return undefined;
  }
  const matches = matchGlob(pattern.value, assetFiles);
  if (matches.length === 0) {
    checker.error(
      pattern.line,
      `${where} "file" is "${pattern.value}", which matches no file in ${ASSETS_DIR}/. ` +
        `Put the file in ${ASSETS_DIR}/ or correct the pattern (relative to ${ASSETS_DIR}/).`,
    );
    return undefined;
  }
  return {
    pattern: pattern.value,
    matches: matches.map((match) => expand(match, destination, assetFiles)),
    target: destination,
    ...(chmod === undefined ? {} : { chmod }),
  };
}

export function readAssets(
  checker: Checker,
  details: JsonObject,
  paths: readonly string[],
): AssetCopy[] {
  const assets = checker.object(details, 'assets', '"details"');
  if (assets === undefined) return [];
  const prefix = `${ASSETS_DIR}/`;
  const assetFiles = paths
    .filter((path) => path.startsWith(prefix))
    .map((path) => path.slice(prefix.length));
  const copies: AssetCopy[] = [];
  for (const { key, keyLine, value } of assets.members) {
    if (key !== HOST) {
      checker.warn(
        keyLine,
        `"details.assets" names the machine "${key}", but a Nestbox lesson has one machine, ` +
          `"${HOST}"; these assets are ignored.`,
      );
      continue;
    }
    if (value.kind !== 'array') {
      checker.error(
        keyLine,
        `"details.assets.${HOST}" must be a list [{ "file": "...", "target": "~/" }], not ${describeType(value)}.`,
      );
      continue;
    }
    for (const [index, item] of value.items.entries()) {
      const where = `Asset ${index + 1}`;
      if (item.kind !== 'object') {
        checker.error(
          item.line,
          `${where} must be an object { "file": "...", "target": "~/" }, not ${describeType(item)}.`,
        );
        continue;
      }
      const copy = readEntry(checker, item, where, assetFiles);
      if (copy !== undefined) copies.push(copy);
    }
  }
  return copies;
}
