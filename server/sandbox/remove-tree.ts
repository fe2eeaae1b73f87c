/**
 * Removing a directory that something may have mounted into. debootstrap mounts /proc (and, in
 * some modes, /sys or a bind of /dev) inside the root it builds; a build killed half-way leaves
 * them mounted. A plain recursive rm would then walk into the host's /proc or /dev, so mounts
 * below the directory are detached first, deepest first.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SandboxError } from './errors.js';

/** Mount points strictly below `dir`, deepest first, from /proc/self/mountinfo's text. */
export function mountsBelow(mountinfo: string, dir: string): string[] {
  const prefix = `${resolve(dir)}/`;
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map(decodeMountPath)
    .filter((point) => point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function decodeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

function detach(point: string): Promise<void> {
  return new Promise((done, fail) => {
    // Lazy, so a mount some process still uses is detached from the tree at once.
    const child = spawn('umount', ['--lazy', point], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code === 0) done();
      else fail(new Error(stderr.trim() || `umount exited with ${code}`));
    });
  });
}

/** Removes `dir` and everything in it, never descending into a mount below it. */
export async function removeTree(dir: string): Promise<void> {
  const mounts = mountsBelow(await readFile('/proc/self/mountinfo', 'utf8'), dir);
  for (const point of mounts) {
    try {
      await detach(point);
    } catch (error) {
      throw new SandboxError(
        'image-build-failed',
        `${point} is still mounted from an interrupted build and could not be unmounted (${
          error instanceof Error ? error.message : String(error)
        }). Unmount it by hand (umount --lazy ${point}) and try again.`,
      );
    }
  }
  await rm(dir, { recursive: true, force: true });
}
