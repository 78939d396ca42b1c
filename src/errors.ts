/**
 * The one error class of zerodown, with stable string codes. Callers match on `code`, never on
 * the message; `cli/main.ts` maps each code to its exit code and the server to an HTTP status.
 */
import { EXIT } from './exit-codes.ts';

/**
 * Every code the tool raises or the control server answers with, with its process exit code and
 * HTTP status. README's "Error codes" table lists the same (test/unit/errors.test.ts checks both
 * ways, and that every code in src/ is registered here).
 */
export const ERROR_CODES = {
  /** A command-line mistake: unknown flag, bad value, missing argument. */
  ZD_USAGE: { exitCode: EXIT.usage, httpStatus: 400 },
  /** The config file does not exist or cannot be read. */
  ZD_CONFIG_NOT_FOUND: { exitCode: EXIT.usage, httpStatus: 400 },
  /** The config (file or flags) is invalid; `field` names the path. */
  ZD_CONFIG_INVALID: { exitCode: EXIT.usage, httpStatus: 400 },
  /** A saved result document cannot be read or is not a zerodown result. */
  ZD_RESULT_INVALID: { exitCode: EXIT.usage, httpStatus: 400 },
  /** A probe stream (`report --from-probes`) cannot be read: the line and field are named. */
  ZD_PROBES_INVALID: { exitCode: EXIT.usage, httpStatus: 400 },
  /**
   * Result documents that cannot be merged (`zerodown merge`, contract §7): none, two of one
   * agent, different endpoint sets.
   */
  ZD_MERGE_INVALID: { exitCode: EXIT.usage, httpStatus: 400 },
  /** The hub (`--hub`, a NATS server) cannot be reached, or refused the connection. */
  ZD_HUB: { exitCode: EXIT.usage, httpStatus: 502 },
  /** `--agents`: a named agent did not join the hub within `--agents-timeout`; nothing deployed. */
  ZD_AGENTS_MISSING: { exitCode: EXIT.blocked, httpStatus: 503 },
  /** A run is already going (control server). */
  ZD_RUN_ACTIVE: { exitCode: EXIT.usage, httpStatus: 409 },
  /** The control server has no run to answer for yet. */
  ZD_NO_RUN: { exitCode: EXIT.usage, httpStatus: 404 },
  /** The control server has no run going to stop or mark a phase of (there may have been one). */
  ZD_NO_RUN_GOING: { exitCode: EXIT.usage, httpStatus: 409 },
  /** The control server's current and last runs have another name than the one asked for. */
  ZD_RUN_NOT_FOUND: { exitCode: EXIT.usage, httpStatus: 404 },
  /** The control server could not be reached or answered with an error. */
  ZD_SERVER: { exitCode: EXIT.usage, httpStatus: 502 },
  /** Control server: the request has no valid `Authorization: Bearer <token>`. */
  ZD_UNAUTHORIZED: { exitCode: EXIT.usage, httpStatus: 401 },
  /** Control server without a token: a request from a web page (cross-site, foreign Host, GET /start). */
  ZD_FORBIDDEN: { exitCode: EXIT.usage, httpStatus: 403 },
  /** Control server: no such route. */
  ZD_NOT_FOUND: { exitCode: EXIT.usage, httpStatus: 404 },
  /** Control server: a malformed request (bad JSON body, bad URL, wrong Content-Length…). */
  ZD_BAD_REQUEST: { exitCode: EXIT.usage, httpStatus: 400 },
  /** Control server: the request body is over the limit (16 KiB). */
  ZD_PAYLOAD_TOO_LARGE: { exitCode: EXIT.usage, httpStatus: 413 },
  /** Control server: a request body of a type it does not read (it reads JSON and plain text). */
  ZD_UNSUPPORTED_MEDIA_TYPE: { exitCode: EXIT.usage, httpStatus: 415 },
  /** An output file could not be written. */
  ZD_OUTPUT: { exitCode: EXIT.usage, httpStatus: 500 },
  /** The run history (`--history`, `history:`) cannot be opened, read or written (`zerodown history`). */
  ZD_HISTORY: { exitCode: EXIT.usage, httpStatus: 503 },
  /** Anything else: a bug in zerodown. */
  ZD_INTERNAL: { exitCode: EXIT.internal, httpStatus: 500 },
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
