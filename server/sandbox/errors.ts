/** Why a sandbox operation failed. `code` is stable; `message` says what to do about it. */
export type SandboxErrorCode =
  | 'runtime-missing'
  | 'relay-missing'
  | 'image-missing'
  | 'image-build-failed'
  | 'cgroups-unsupported'
  | 'userns-unsupported'
  | 'capacity'
  | 'start-failed'
  | 'exec-failed'
  | 'exec-timeout';

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
