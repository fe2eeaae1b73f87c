import { fileURLToPath } from 'node:url';

/** Where `npm install` (scripts/build-relay.mjs) puts the compiled console relay. */
export function relayPath(): string {
  return fileURLToPath(new URL('./relay/nestbox-relay', import.meta.url));
}
