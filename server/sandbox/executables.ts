import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';

/** Resolves a command name against PATH (or checks an absolute path); undefined if absent. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const candidates = isAbsolute(name)
    ? [name]
    : (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
        .split(delimiter)
        .map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

/** The C compiler that builds the console helper and the init: CC, or cc. */
export function cCompilerName(): string {
  return process.env.CC || 'cc';
}

/** Where the C compiler's static libc.a is (the init is linked statically, init.ts), or undefined
 *  when there is no compiler or no libc.a (Debian's libc6-dev). */
export async function findStaticLibc(): Promise<string | undefined> {
  const compiler = await findExecutable(cCompilerName());
  if (!compiler) return undefined;
  // The compiler names the file it would link, or echoes the bare name when it has none.
  const { stdout } = await promisify(execFile)(compiler, ['-print-file-name=libc.a']).catch(() => ({
    stdout: '',
  }));
  const library = stdout.trim();
  return library.startsWith('/') ? library : undefined;
}
