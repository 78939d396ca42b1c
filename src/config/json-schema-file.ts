/**
 * The config file's JSON Schema, from the zod schema (one source): what a config may say, as an
 * editor sees it (`# yaml-language-server: $schema=…`). The input side: durations are strings
 * such as `2s` (or 0), statuses `200-299`, and `${VAR}` references are allowed anywhere a string
 * is.
 */
import { z } from 'zod';
import { VERSION } from '../version.ts';
import { durationSchema } from './primitives.ts';
import { configSchema } from './schema.ts';

const DURATION = String.raw`^\s*(0|((\d+(\.\d+)?|\.\d+)\s*(ms|s|m|h|d)\s*)+)\s*$`;

/** A duration as an editor checks it: `500ms`, `1m30s`, 0, or a `${VAR}` reference. */
const DURATION_JSON = {
  description: 'A duration with a unit: 500ms, 2s, 1m30s, 1h (a bare number only when 0)',
  anyOf: [
    { type: 'string', pattern: DURATION },
    { type: 'string', pattern: String.raw`\$\{` },
    { const: 0 },
  ],
};

/** Where the schema is published with the package. */
export const CONFIG_SCHEMA_PATH = 'schema/zerodown.schema.json';

/** The JSON Schema (draft 2020-12) as formatted JSON text. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: (ctx) => {
      if (ctx.zodSchema !== durationSchema) return;
      for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
      Object.assign(ctx.jsonSchema, DURATION_JSON);
    },
  });
  const doc = {
    ...schema,
    $id: `https://unpkg.com/zerodown@${VERSION}/${CONFIG_SCHEMA_PATH}`,
    title: 'zerodown config',
    description:
      'A zerodown config file (zerodown.yml): endpoints to probe, budgets, phases, the deploy guard, reports and notifications.',
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
