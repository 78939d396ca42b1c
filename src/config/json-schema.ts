/**
 * Config keys that read the body as JSON: `version: { json }` and `expect: { json }`. Paths and
 * regular expressions are checked when the config is read, so a mistake is a config error naming
 * its field, never a failure at probe time.
 */
import { z } from 'zod';
import { JsonPathError, parseJsonPath } from '../util/json-path.ts';

/** A JSON path such as `$.status` or `$.items[0]['build-id']` (see util/json-path.ts). */
export const jsonPathSchema = z
  .string({ error: 'expected a JSON path such as $.status' })
  .superRefine((text, ctx) => {
    try {
      parseJsonPath(text);
    } catch (err) {
      if (!(err instanceof JsonPathError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
    }
  });

/** A JSON value: what `equals` compares with. */
const jsonValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: 'expected a string, number, boolean or null',
});

/** A regular expression (JavaScript syntax). */
const regexSchema = z
  .string({ error: 'expected a regular expression' })
  .superRefine((text, ctx) => {
    try {
      new RegExp(text);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `not a regular expression: ${(err as Error).message}`,
      });
    }
  });

/**
 * One JSON check: the value at `path` must exist, and, when given, equal `equals` (same JSON
 * type and value) and/or match `matches` (tested on the value as text).
 */
export const jsonCheckSchema = z.strictObject({
  path: jsonPathSchema,
  equals: jsonValueSchema.optional(),
  matches: regexSchema.optional(),
});

const jsonCheckListSchema = z.array(jsonCheckSchema);

/**
 * `expect.json`: one check or a list of them, always a list once parsed. (Not a `z.union`: a
 * union's error would be a vague "invalid input"; this keeps the inner error and its path, e.g.
 * `expect.json.equls: unknown key`.)
 */
export const expectJsonSchema = z.unknown().transform((value, ctx) => {
  const r = Array.isArray(value)
    ? jsonCheckListSchema.safeParse(value, { reportInput: true })
    : jsonCheckSchema.transform((c) => [c]).safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue(issue as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

/** `version:` where the answering version is read from: a response header or a JSON path. */
export const versionSchema = z
  .strictObject({
    header: z.string().min(1, 'must not be empty').optional(),
    json: jsonPathSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.header === undefined) === (v.json === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either header or json (one of them)' });
    }
  });

/** One JSON check as validated. */
export type RawJsonCheck = z.output<typeof jsonCheckSchema>;
