/**
 * Writes the config file's JSON Schema (schema/zerodown.schema.json), generated from the zod
 * schema that validates configs (src/config/schema.ts), so editors can complete and check a
 * zerodown.yml. Run by `npm run build`; test/unit/config-schema.test.ts checks the committed file
 * is what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/json-schema-file.ts';

const out = fileURLToPath(new URL('../schema/zerodown.schema.json', import.meta.url));
writeFileSync(out, configJsonSchema());
