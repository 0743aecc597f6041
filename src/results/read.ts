// Reading our own files back, checked: a CSV against its spec (columns, cell kinds, complete rows) and
// a JSON file against its zod schema. A damaged, truncated or foreign file is a one-line ConfigError
// naming the file (and line), never a crash.
import { readFileSync } from 'node:fs';
import { parse, type CsvError } from 'csv-parse/sync';
import type { z } from 'zod';
import { ConfigError } from '../base/errors.js';
import { formatIssues } from '../config/format.js';
import type { CsvSpec, Row } from './cells.js';

/** A CSV as read: header order kept, every cell a string. */
export interface Table {
  columns: string[];
  rows: Record<string, string>[];
}

/** What a file turned out to be, for "got …". */
function fsProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : `a file that cannot be read (${code ?? String(err)})`;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: expected ${what}, got ${fsProblem(err)}`);
  }
}

/** A cell as the user would see it in "got …". */
function shownCell(text: string): string {
  if (text === '') return 'an empty cell';
  const hint = /^[+-]?nan$/i.test(text) ? ' (radam-run writes NaN as an empty cell)' : '';
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text) + hint;
}

/** csv-parse's complaint as one line: the file, the line it names, what was expected there. */
function csvProblem(file: string, text: string, header: string[] | undefined, err: CsvError): string {
  const line = typeof err.lines === 'number' ? ` line ${err.lines}` : '';
  const lastLine = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (err.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' && header && Array.isArray(err.record)) {
    const got = err.record as string[];
    const cut = got.length < header.length && err.lines === lastLine ? ' (truncated file?)' : '';
    const shown = got.length === 1 && got[0] === '' ? 'an empty line' : String(got.length);
    return `${file}${line}: expected ${header.length} fields (${header.join(',')}), got ${shown}${cut}`;
  }
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return `${file}${line}: expected a closing quote, got the end of the file (truncated file?)`;
  return `${file}${line}: expected CSV, got text the parser rejects (${err.message.replace(/\s+/g, ' ')})`;
}

/**
 * A CSV checked against its spec: a header naming the spec's columns, every row with as many fields
 * as the header, every cell of a spec column of its kind, a final newline (csv-stringify always ends
 * with one; a file that does not was cut short), and at least one row unless `emptyIsValid` (the
 * writer had nothing to write).
 */
export function readCsv<S extends CsvSpec>(file: string, spec: S, emptyIsValid = false): { table: Table; rows: Row<S>[] } {
  const text = readText(file, 'a CSV file');
  let header: string[] | undefined;
  let records: { info: { lines: number }; record: Record<string, string> }[];
  try {
    records = parse(text, { bom: true, info: true, columns: (names: string[]) => (header = names) }) as unknown as typeof records;
  } catch (err) {
    throw new ConfigError(csvProblem(file, text, header, err as CsvError));
  }
  if (header === undefined) throw new ConfigError(`${file}: expected a header row and at least one data row, got an empty file`);
  const columns: string[] = header;
  const missing = Object.keys(spec.columns).filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new ConfigError(`${file}: expected column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, got ${columns.join(',')}`);
  }
  if (!text.endsWith('\n')) {
    throw new ConfigError(`${file} line ${text.split('\n').length}: expected the row to end with a newline, got the end of the file (truncated file?)`);
  }
  if (records.length === 0 && !emptyIsValid) throw new ConfigError(`${file}: expected a header row and at least one data row, got only the header`);
  const kinds = Object.entries({ ...spec.columns, ...spec.optional }).filter(([c]) => columns.includes(c));
  const rows = records.map(({ info, record }) => {
    const row: Record<string, unknown> = {};
    for (const [c, kind] of kinds) {
      const value = kind.read(record[c]!);
      if (value === undefined) throw new ConfigError(`${file} line ${info.lines}: expected ${kind.expected} in column ${c}, got ${shownCell(record[c]!)}`);
      row[c] = value;
    }
    return row as Row<S>;
  });
  return { table: { columns, rows: records.map((r) => r.record) }, rows };
}

/** A JSON file checked against its zod schema; the first problem, with its path, is the message. */
export function readJson<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  const text = readText(file, 'a JSON file');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: expected JSON, got text that does not parse (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 120)})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file}: ${formatIssues(parsed.error.issues, raw, schema)[0]}`);
  return parsed.data;
}
