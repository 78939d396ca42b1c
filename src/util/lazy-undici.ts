/**
 * undici's `request`, loaded on first use. The whole undici package costs ~15 MB of memory in
 * every process that imports it; a probing run needs only its `Client` (see probe/pool.ts), and
 * the commands and guards that make one-off requests pay for the rest only when they do.
 */
import type * as Undici from 'undici';

let loaded: Promise<typeof Undici.request> | undefined;

/** Same as undici's `request`. */
export async function request(
  ...args: Parameters<typeof Undici.request>
): ReturnType<typeof Undici.request> {
  loaded ??= import('undici').then((m) => m.request);
  return (await loaded)(...args);
}
