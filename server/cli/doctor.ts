import { loadConfig } from '../config.js';
import { checkSystem } from './prerequisites.js';

/** `nestbox doctor`: one line per piece, and the exact fix for every missing one. */
export async function doctor(): Promise<number> {
  const checks = await checkSystem(loadConfig());
  const width = Math.max(...checks.map((check) => check.name.length));
  for (const check of checks) {
    console.log(
      `${check.ok ? 'ok     ' : 'MISSING'}  ${check.name.padEnd(width)}  ${check.detail}`,
    );
    if (!check.ok && check.fix) console.log(`         ${' '.repeat(width)}  fix: ${check.fix}`);
  }
  const missing = checks.filter((check) => !check.ok).length;
  console.log(
    missing === 0 ? '\nAll good: npm start will serve the lab.' : `\n${missing} thing(s) to fix.`,
  );
  return missing === 0 ? 0 : 1;
}
