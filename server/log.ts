/**
 * The server's structured log: one JSON line per event (pino), for whatever collects logs.
 * Each line carries `event`, a stable name such as `session-created` or `ws-reject`, so lines
 * can be filtered without parsing messages; `msg` says the same for a person.
 *
 * Secrets never go in: call sites pass ids, reasons and addresses, never tokens or codes. As a
 * second line of defence, fields with a secret's name are censored wherever they appear.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** NESTBOX_LOG_LEVEL values, most to least severe; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SECRET_FIELDS = ['token', 'authorization', 'cookie', 'joinCode', 'password'];

/**
 * A logger at `level` writing to `destination` (stdout by default: on Linux its writes to a
 * pipe or file are synchronous, so nothing is lost when the process exits right after).
 */
export function createLogger(
  level: LogLevel,
  destination: DestinationStream = process.stdout,
): Logger {
  return pino(
    {
      level,
      base: { service: 'nestbox' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and tools that do not want the server's log. */
export function silentLogger(): Logger {
  return createLogger('silent');
}
