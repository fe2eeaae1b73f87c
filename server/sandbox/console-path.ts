import { fileURLToPath } from 'node:url';

/** Where `npm install` (scripts/build-console.mjs) puts the compiled console helper. */
export function consolePath(): string {
  return fileURLToPath(new URL('./console/nestbox-console', import.meta.url));
}
