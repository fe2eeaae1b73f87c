/**
 * The disk an I/O limit applies to. Throttling (v1 blkio.throttle.*, v2 io.max) works per whole
 * disk, not per partition or filesystem, so the image's filesystem is traced back to its disk.
 */
import { access, readFile, stat } from 'node:fs/promises';

export interface DeviceNumber {
  major: number;
  minor: number;
}

/** Splits a Linux dev_t (as in stat's st_dev) into major and minor, as the kernel encodes them. */
export function decodeDevice(dev: number): DeviceNumber {
  const value = BigInt(dev);
  const major = ((value >> 8n) & 0xfffn) | ((value >> 32n) & ~0xfffn);
  const minor = (value & 0xffn) | ((value >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

function parseDevice(text: string): DeviceNumber | undefined {
  const match = /^(\d+):(\d+)$/.exec(text.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** The whole disk holding `path`; undefined when it is not on a block device (tmpfs, overlay). */
export async function diskOf(path: string): Promise<DeviceNumber | undefined> {
  const device = decodeDevice((await stat(path)).dev);
  const sysfs = `/sys/dev/block/${device.major}:${device.minor}`;
  try {
    await access(sysfs);
  } catch {
    return undefined;
  }
  const isPartition = await access(`${sysfs}/partition`).then(
    () => true,
    () => false,
  );
  if (!isPartition) return device;
  return parseDevice(await readFile(`${sysfs}/../dev`, 'utf8'));
}
