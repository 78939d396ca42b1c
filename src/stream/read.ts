/**
 * `report --from-probes`: reading a probe stream (a file, or stdin for `-`) line by line and
 * rebuilding its run's result document (analysis/replay.ts). Memory stays what the accumulators
 * need, however long the stream. A last line cut short (the writer killed mid-line) is skipped
 * and said; any other line that cannot be read is a `ZD_PROBES_INVALID` naming line and field.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { RunReplay, type Rejudge } from '../analysis/replay.ts';
import { ZerodownError } from '../errors.ts';
import type { ResultDocument } from '../result.ts';
import type { EndLine } from './format.ts';
import { parseStreamLine } from './parse.ts';

/** A rebuilt run, with what the reader noticed on the way (a cut last line, earlier runs). */
export interface StreamRead {
  result: ResultDocument;
  /** Sentences for stderr: `the last line (1234) was cut short and is skipped`. */
  notes: string[];
}

/** Rebuilds the last run of the stream in `source` (a file, or `-` for stdin). */
export async function readProbeStream(source: string, rejudge?: Rejudge): Promise<StreamRead> {
  const input: Readable = source === '-' ? process.stdin : createReadStream(source);
  const name = source === '-' ? 'stdin' : source;
  try {
    return await rebuildFrom(input, name, rejudge);
  } catch (err) {
    if (err instanceof ZerodownError) throw err;
    throw new ZerodownError('ZD_PROBES_INVALID', `${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Rebuilds the last run of the stream read from `input`, named `name` in messages. */
export async function rebuildFrom(
  input: AsyncIterable<Buffer | string>,
  name: string,
  rejudge?: Rejudge,
): Promise<StreamRead> {
  const builder = new StreamRebuilder(name);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const lines = text.split('\n');
    rest = lines.pop()!;
    for (const line of lines) builder.line(line);
  }
  rest += decoder.end();
  return builder.finish(rest, rejudge);
}

/** Lines in, runs out: keeps the run going on, and the last one. */
class StreamRebuilder {
  private readonly name: string;
  private lineNo = 0;
  private replay: RunReplay | undefined;
  private end: EndLine | undefined;
  private runs = 0;
  private readonly notes: string[] = [];

  constructor(name: string) {
    this.name = name;
  }

  line(raw: string): void {
    this.lineNo++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') return;
    const where = `${this.name}:${this.lineNo}`;
    const fail = (message: string): never => {
      throw new ZerodownError('ZD_PROBES_INVALID', message);
    };
    let line;
    try {
      line = parseStreamLine(text, where);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (line.type === 'run') {
      this.replay = new RunReplay(line);
      this.end = undefined;
      this.runs++;
      return;
    }
    if (!this.replay) return fail(`${where}: type: expected the "run" line first`);
    if (this.end) return fail(`${where}: type: a "${line.type}" line after the "end" line`);
    if (line.type === 'end') this.end = line;
    else if (line.type === 'phase') this.replay.phase(line);
    else {
      try {
        this.replay.add(line);
      } catch (err) {
        fail(`${where}: ${(err as Error).message}`);
      }
    }
  }

  finish(last: string, rejudge: Rejudge | undefined): StreamRead {
    if (last.trim() !== '') {
      try {
        this.line(last);
      } catch (err) {
        // A last line without its newline that cannot be read: the writer was killed mid-line.
        if (!(err instanceof ZerodownError)) throw err;
        this.notes.push(
          `the last line (${this.lineNo}) was cut short (the writer was killed?) and is skipped`,
        );
      }
    }
    if (!this.replay) {
      throw new ZerodownError(
        'ZD_PROBES_INVALID',
        `${this.name}: no "run" line: not a probe stream`,
      );
    }
    if (this.runs > 1) {
      this.notes.push(
        `${this.runs} runs in the stream; the last one is rebuilt (${this.replay.run.name ?? 'unnamed'}, started ${this.replay.run.startedAt})`,
      );
    }
    if (!this.end) {
      this.notes.push(
        `no "end" line: the run was cut off after ${this.replay.records} probes; rebuilt from them, marked interrupted`,
      );
    } else if (this.end.dropped > 0) {
      this.notes.push(
        `the writer dropped ${this.end.dropped} probe lines (its reader was too slow); marked interrupted`,
      );
    }
    return { result: this.replay.result(this.end, rejudge), notes: this.notes };
  }
}
