/** Why a scenario could not be prepared in a sandbox; `code` is stable, `message` says what to fix. */
export type ScenarioRuntimeErrorCode =
  'asset-missing' | 'assets-too-large' | 'asset-copy-failed' | 'background-start-failed';

export class ScenarioRuntimeError extends Error {
  override readonly name = 'ScenarioRuntimeError';

  constructor(
    readonly code: ScenarioRuntimeErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
