/** Why a sandbox operation failed. `code` is stable; `message` says what to do about it. */
export type SandboxErrorCode =
  /** crun is not installed (or NESTBOX_CRUN names nothing). */
  | 'runtime-missing'
  /** crun is older than the oldest version Nestbox is tested against. */
  | 'runtime-too-old'
  | 'console-missing'
  | 'image-missing'
  | 'image-build-failed'
  /** No cgroup filesystem at all. */
  | 'cgroups-unsupported'
  /** A cgroup controller the configured limits need is not available. */
  | 'controller-missing'
  /** The parent cgroup cannot be created or given its totals. */
  | 'cgroup-setup-failed'
  | 'userns-unsupported'
  /** NESTBOX_ROOTFS_MODE=idmap on a kernel or filesystem without idmapped mounts. */
  | 'idmap-unsupported'
  /** Too many sandboxes alive at once. */
  | 'capacity'
  /** The parent cgroup's totals (memory or pids) leave no room for another sandbox. */
  | 'parent-cgroup-full'
  /** A limit value that makes no sense (negative, not a number, not a cpu list). */
  | 'invalid-limits'
  /** A per-sandbox limit asked for more than the server's configured limit. */
  | 'limit-raised'
  | 'start-failed'
  | 'exec-failed'
  | 'exec-timeout'
  /** exec, execStart or stats on a sandbox that was destroyed. */
  | 'destroyed'
  /** Processes or cgroups outlived destroy; the next start-up reaps them. */
  | 'destroy-failed';

export class SandboxError extends Error {
  override readonly name = 'SandboxError';

  constructor(
    readonly code: SandboxErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
