#!/usr/bin/env node
// The `nestbox` command. The implementation is TypeScript (server/cli/main.ts); tsx compiles it
// on the fly so there is no separate build step between `npm install` and `npx nestbox`.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
