#!/usr/bin/env -S node --max-semi-space-size=2
// The flag keeps V8's young generation at 2 MB a half instead of letting it grow to 16 MB under
// load: in the noisy-neighbour soak the server's RSS then stays flat, and a key's echo waits less
// behind a scavenge, which has less to copy (bench/README.md, soak). `npm start` and
// `npm run bench` pass the same flag (server/cli/node-flags.test.ts keeps them equal), so the
// soak measures the server as it runs.
// The `nestbox` command. The implementation is TypeScript (server/cli/main.ts); tsx compiles it
// on the fly so there is no separate build step between `npm install` and `npx nestbox`.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
