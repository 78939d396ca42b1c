/**
 * The GitHub Action's outputs, in the `$GITHUB_OUTPUT` file's multiline form (as the Actions
 * toolkit writes them), so a value with a newline or an `=` stays one value:
 *
 *     verdict<<ghadelimiter_<uuid>
 *     fail
 *     ghadelimiter_<uuid>
 */
import { randomUUID } from 'node:crypto';

/** The outputs action.yml declares; every one is written, empty when it has no value. */
export const OUTPUTS = ['verdict', 'exit-code', 'result', 'html', 'junit', 'markdown'] as const;

/** An output's name. */
export type OutputName = (typeof OUTPUTS)[number];

/** The text to append to `$GITHUB_OUTPUT` for these outputs. */
export function formatOutputs(
  values: Readonly<Record<OutputName, string>>,
  delimiter = `ghadelimiter_${randomUUID()}`,
): string {
  return OUTPUTS.map((name) => {
    const value = values[name];
    if (value.includes(delimiter)) throw new Error(`output ${name} holds its own delimiter`);
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }).join('');
}

/** Reads `$GITHUB_OUTPUT` text back: both the `name=value` and the multiline form. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const multi = /^([^=<]+)<<(.+)$/.exec(line);
    if (multi) {
      const end = lines.indexOf(multi[2]!, i + 1);
      if (end < 0) throw new Error(`output ${multi[1]}: no closing ${multi[2]}`);
      out[multi[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}
