import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDevice } from './block-device.js';
import { SandboxError } from './errors.js';
import {
  checkControllers,
  checkUserNamespaces,
  isAtLeast,
  MIN_CPU_IDLE_KERNEL,
  MIN_CRUN_VERSION,
  missingControllers,
  parseCrunVersion,
  parseKernelRelease,
} from './preflight.js';

describe('crun version', () => {
  it('reads the first line of crun --version', () => {
    const output = 'crun version 1.8.1\ncommit: f8a096be\nrundir: /run/crun\nspec: 1.0.0\n';
    expect(parseCrunVersion(output)).toEqual([1, 8, 1]);
    expect(parseCrunVersion('crun version 1.14\n')).toEqual([1, 14, 0]);
  });

  it('does not mistake another runtime for crun', () => {
    expect(parseCrunVersion('runc version 1.1.12\ncommit: v1.1.12\n')).toBeUndefined();
  });

  it('compares versions part by part', () => {
    expect(isAtLeast([1, 8, 1], MIN_CRUN_VERSION)).toBe(true);
    expect(isAtLeast([1, 5, 0], MIN_CRUN_VERSION)).toBe(true);
    expect(isAtLeast([1, 4, 5], MIN_CRUN_VERSION)).toBe(false);
    expect(isAtLeast([0, 21, 0], MIN_CRUN_VERSION)).toBe(false);
    expect(isAtLeast([1, 10], [1, 9, 3])).toBe(true);
  });
});

describe('kernel release', () => {
  it("reads distribution kernels' releases and tells which have cpu.idle", () => {
    expect(parseKernelRelease('6.1.0-18-amd64')).toEqual([6, 1, 0]);
    expect(parseKernelRelease('5.10.209-1')).toEqual([5, 10, 209]);
    expect(parseKernelRelease('6.18-fc')).toEqual([6, 18, 0]);
    expect(parseKernelRelease('custom')).toBeUndefined();
    expect(isAtLeast([5, 15, 0], MIN_CPU_IDLE_KERNEL)).toBe(true);
    expect(isAtLeast([5, 10, 209], MIN_CPU_IDLE_KERNEL)).toBe(false);
  });
});

describe('controllers', () => {
  it('names the missing ones', () => {
    expect(missingControllers(['cpu', 'pids'], ['pids', 'memory', 'cpu'])).toEqual(['memory']);
  });

  it('throws controller-missing with the names and the fix', () => {
    let error: unknown;
    try {
      checkControllers('v2', ['cpu', 'pids'], ['pids', 'memory', 'cpu', 'io']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('controller-missing');
    expect((error as SandboxError).message).toMatch(/memory, io.*v2/);
  });
});

describe('device numbers', () => {
  it('splits st_dev as the kernel encodes it', () => {
    expect(decodeDevice(0xfe00)).toEqual({ major: 254, minor: 0 });
    expect(decodeDevice(0x0803)).toEqual({ major: 8, minor: 3 });
    // Large minors keep their high bits above the major's.
    expect(decodeDevice(0x100300)).toEqual({ major: 3, minor: 256 });
  });
});

describe('user namespaces', () => {
  it('are required, with the sysctl that enables them in the message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nestbox-userns-'));
    try {
      await writeFile(join(dir, 'off'), '0\n');
      await writeFile(join(dir, 'on'), '15000\n');
      await expect(checkUserNamespaces(join(dir, 'off'))).rejects.toMatchObject({
        code: 'userns-unsupported',
        message: expect.stringMatching(/sysctl -w user\.max_user_namespaces=/) as unknown,
      });
      await expect(checkUserNamespaces(join(dir, 'on'))).resolves.toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
