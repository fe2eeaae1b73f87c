import { suggestKey, type KeySet } from './keys';
import { member, type JsonObject, type JsonValue } from './json';
import type { ScenarioError } from './types';

export const INDEX_FILE = 'index.json';

/** Collects errors and warnings against index.json while the parser walks it. */
export class Checker {
  readonly errors: ScenarioError[] = [];
  readonly warnings: ScenarioError[] = [];

  error(line: number, message: string, file = INDEX_FILE): void {
    this.errors.push({ file, line, message });
  }

  warn(line: number, message: string, file = INDEX_FILE): void {
    this.warnings.push({ file, line, message });
  }

  /** Warns about keys `keys` does not list (with the likely intended one) and repeated keys. */
  checkKeys(object: JsonObject, keys: KeySet, where: string): void {
    const seen = new Set<string>();
    for (const { key, keyLine } of object.members) {
      if (seen.has(key)) {
        this.warn(keyLine, `${where} has "${key}" twice; the last one wins. Remove the other.`);
      }
      seen.add(key);
      if (keys.known.includes(key) || keys.ignored.includes(key)) continue;
      const suggestion = suggestKey(key, keys.known);
      this.warn(
        keyLine,
        suggestion === undefined
          ? `${where} has an unknown key "${key}", which is ignored. Known keys here: ${keys.known.join(', ')}.`
          : `${where} has an unknown key "${key}", which is ignored; did you mean "${suggestion}"?`,
      );
    }
  }

  /** An optional string field; reports a wrong type and returns undefined. */
  optionalString(object: JsonObject, key: string, where: string): string | undefined {
    const found = member(object, key);
    if (found === undefined || found.value.kind === 'null') return undefined;
    if (found.value.kind !== 'string') {
      this.error(found.keyLine, `${where} "${key}" must be a string in double quotes.`);
      return undefined;
    }
    return found.value.value;
  }

  /** An optional true/false field; reports a wrong type and returns undefined. */
  optionalBoolean(object: JsonObject, key: string, where: string): boolean | undefined {
    const found = member(object, key);
    if (found === undefined || found.value.kind === 'null') return undefined;
    if (found.value.kind !== 'boolean') {
      this.error(found.keyLine, `${where} "${key}" must be true or false, without quotes.`);
      return undefined;
    }
    return found.value.value;
  }

  /** A required, non-empty string field. `example` shows the author what to write. */
  requiredString(
    object: JsonObject,
    key: string,
    where: string,
    example: string,
  ): { value: string; line: number } | undefined {
    const found = member(object, key);
    if (found === undefined) {
      this.error(object.line, `${where} needs a "${key}", for example "${key}": ${example}.`);
      return undefined;
    }
    if (found.value.kind !== 'string' || found.value.value.trim() === '') {
      this.error(
        found.keyLine,
        `${where} "${key}" must be a non-empty string, for example "${key}": ${example}.`,
      );
      return undefined;
    }
    return { value: found.value.value, line: found.value.line };
  }

  /** An optional object-valued field (`null` reads as absent); reports a wrong type. */
  object(parent: JsonObject, key: string, where: string): JsonObject | undefined {
    const found = member(parent, key);
    if (found === undefined || found.value.kind === 'null') return undefined;
    if (found.value.kind !== 'object') {
      this.error(found.keyLine, `${where} "${key}" must be an object: { ... }.`);
      return undefined;
    }
    return found.value;
  }
}

export function describeType(value: JsonValue): string {
  return value.kind === 'array'
    ? 'a list'
    : value.kind === 'object'
      ? 'an object'
      : `a ${value.kind}`;
}

/**
 * Normalises a path from index.json to a key of the folder's files. Paths are relative to the
 * scenario folder; `./` prefixes and backslashes are forgiven, escaping the folder is not.
 */
export function normalisePath(path: string): string | undefined {
  const parts = path.replaceAll('\\', '/').split('/');
  const kept: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') return undefined;
    kept.push(part);
  }
  if (path.startsWith('/') || path.startsWith('\\') || kept.length === 0) return undefined;
  return kept.join('/');
}
