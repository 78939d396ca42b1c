/**
 * The one error class of zerodown, with stable string codes. Callers match on `code`, never on
 * the message; `cli/main.ts` maps each code to its exit code and the server to an HTTP status.
 */

/** Every code the tool raises, with its process exit code and HTTP status. */
export const ERROR_CODES = {
  /** A command-line mistake: unknown flag, bad value, missing argument. */
  ZD_USAGE: { exitCode: 2, httpStatus: 400 },
  /** The config file does not exist or cannot be read. */
  ZD_CONFIG_NOT_FOUND: { exitCode: 2, httpStatus: 400 },
  /** The config (file or flags) is invalid; `field` names the path. */
  ZD_CONFIG_INVALID: { exitCode: 2, httpStatus: 400 },
  /** A saved result document cannot be read or is not a zerodown result. */
  ZD_RESULT_INVALID: { exitCode: 2, httpStatus: 400 },
  /** A deploy was not started: warm-up failed or a blocker said no. */
  ZD_BLOCKED: { exitCode: 4, httpStatus: 412 },
  /** The deploy command could not be started at all. */
  ZD_DEPLOY_SPAWN: { exitCode: 3, httpStatus: 500 },
  /** A run is already going (control server). */
  ZD_RUN_ACTIVE: { exitCode: 2, httpStatus: 409 },
  /** The control server has no run to answer for yet. */
  ZD_NO_RUN: { exitCode: 2, httpStatus: 404 },
  /** The control server could not be reached or answered with an error. */
  ZD_SERVER: { exitCode: 2, httpStatus: 502 },
  /** An output file could not be written. */
  ZD_OUTPUT: { exitCode: 2, httpStatus: 500 },
  /** Anything else: a bug in zerodown. */
  ZD_INTERNAL: { exitCode: 70, httpStatus: 500 },
} as const satisfies Record<string, { exitCode: number; httpStatus: number }>;

/** A stable error code (`ZD_…`). */
export type ErrorCode = keyof typeof ERROR_CODES;

/** zerodown's own failure (never a probe failure: those are data, see `ProbeOutcome`). */
export class ZerodownError extends Error {
  override readonly name = 'ZerodownError';
  readonly code: ErrorCode;
  /** For config errors: the path of the offending field, e.g. `endpoints[1].expect.stauts`. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
  }

  /** The process exit code for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  /** The HTTP status for this error (control server). */
  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }
}

/** Shorthand for a config error on one field: `field: message`. */
export function configError(field: string, message: string): ZerodownError {
  return new ZerodownError('ZD_CONFIG_INVALID', field ? `${field}: ${message}` : message, {
    field,
  });
}

/** True when `err` is a ZerodownError with the given code. */
export function isZerodownError(err: unknown, code?: ErrorCode): err is ZerodownError {
  return err instanceof ZerodownError && (code === undefined || err.code === code);
}
