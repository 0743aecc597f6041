// A CSV cell both ways: num() writes a number in JavaScript's shortest round-trip form (so a run's files
// are byte-identical whenever its numbers are; NaN and absent values are empty cells), and the cell
// kinds read such text back, each with the words a message uses for it. formatLoss() is the other way
// the tool writes numbers: for people (tables, and the `expected` text of claims).
import { stringify } from 'csv-stringify/sync';

export type Cell = string | number | undefined | null;

/** A number cell: shortest round-trip text; NaN/undefined → empty. */
export function num(x: number | undefined | null): string {
  return x === undefined || x === null || Number.isNaN(x) ? '' : String(x);
}

/** A CSV with one header row and Unix line ends (csv-stringify quotes only where needed). */
export function toCsv(columns: readonly string[], rows: Cell[][]): string {
  return stringify([columns as unknown as Cell[], ...rows], { record_delimiter: 'unix' });
}

/** A loss (or any metric) for people: 5 significant digits, exponent notation when tiny or huge; — when absent. */
export function formatLoss(x: number | undefined | null): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(3);
  return x.toPrecision(5);
}

/** What a cell holds: how messages name it, and its value (undefined when the text is not one). */
export interface CellKind<T> {
  expected: string;
  read(text: string): T | undefined;
}

// num() writes JavaScript's shortest round-trip form (decimal or exponent notation), ±Infinity spelled
// out (a diverged run's loss) and NaN as an empty cell; "NaN", "inf", hex or padding are not its
// output. Number() alone would accept all of those, and read "" as 0.
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
export const number: CellKind<number> = {
  expected: 'a number',
  read: (s) => (DECIMAL.test(s) || s === 'Infinity' || s === '-Infinity' ? Number(s) : undefined),
};
/** A number, or NaN where num() left the cell empty (NaN, or no value: accuracy of a regression). */
export const numberOrEmpty: CellKind<number> = { expected: 'a number', read: (s) => (s === '' ? NaN : number.read(s)) };
export const integer: CellKind<number> = { expected: 'an integer', read: (s) => (/^-?\d+$/.test(s) ? Number(s) : undefined) };
export const integerOrEmpty: CellKind<number> = { expected: 'an integer', read: (s) => (s === '' ? NaN : integer.read(s)) };
export const name: CellKind<string> = { expected: 'a name', read: (s) => (s === '' ? undefined : s) };
export const text: CellKind<string> = { expected: 'text', read: (s) => s };
export const flag: CellKind<boolean> = { expected: '0 or 1', read: (s) => (s === '1' ? true : s === '0' ? false : undefined) };
export function oneOf<T extends string>(...values: T[]): CellKind<T> {
  return { expected: `one of ${values.join(', ')}`, read: (s) => values.find((v) => v === s) };
}

export type Columns = Record<string, CellKind<unknown>>;
type Value<K> = K extends CellKind<infer T> ? T : never;

/** A CSV as it is read back: columns that must be there, and columns read only when present. */
export interface CsvSpec<C extends Columns = Columns, O extends Columns = Columns> {
  columns: C;
  optional: O;
}
export type Row<S> = S extends CsvSpec<infer C, infer O> ? { [K in keyof C]: Value<C[K]> } & { [K in keyof O]?: Value<O[K]> } : never;

/** Cell kinds for (some of) the columns a writer lists: a reader spec cannot name a column the writer does not write. */
export type KindsOf<T extends readonly string[]> = Partial<Record<T[number], CellKind<unknown>>>;
