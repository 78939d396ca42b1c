#!/usr/bin/env node
/**
 * The zerodown command line's entry point. V8's memory settings for a probing process (see
 * probe/memory.ts) must be made before the other modules load, so the program is loaded after.
 */
import { startLean } from '../probe/memory.ts';

startLean();
const { main } = await import('./program.ts');
process.exit(await main(process.argv.slice(2)));
