/**
 * A fix for an undici bug that a hostile target can trigger, applied before undici's HTTP/1.1
 * client loads (pool.ts imports this module first).
 *
 * Headers over undici's limit (16 KiB): its parser destroys the socket with a new
 * `HeadersOverflowError` but does not stop, and goes on through the rest of the chunk it was
 * given, building a new error — with a stack trace — for every further header. A target sending
 * 100 000 short headers had each probe build thousands of them: at 20 probes/s zerodown's loop
 * stalled for seconds and its deadlines fired up to 3 s late (undici 7.30, and 8.10 still).
 * Here the error is built without a stack trace; it still has its class, message and code
 * (`UND_ERR_HEADERS_OVERFLOW`), which is all a probe reads.
 */
import { createRequire } from 'node:module';

type ErrorClass = new (message?: string) => Error;

const errors = createRequire(import.meta.url)('undici/lib/core/errors.js') as Record<
  string,
  ErrorClass
>;
const Original = errors.HeadersOverflowError;
if (typeof Original !== 'function') throw new Error('undici has no HeadersOverflowError');

/** `HeadersOverflowError` without the stack trace (see the header). */
class HeadersOverflowError extends Original {
  constructor(message?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

errors.HeadersOverflowError = HeadersOverflowError;
