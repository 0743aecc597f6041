// The files `plot` reads back, as radam-run writes them: for each CSV the columns it needs and what
// each cell holds, and zod schemas of the JSON files. What the writers produce (csv.ts, aggregate.ts,
// claims.ts, run/sweep.ts, cli/variance.ts) passes; anything else is the reader's error to report.
// Kept apart from the readers so that the output contract can later move below report/.
import { z } from 'zod';
import type { CLAIMS_COLUMNS } from '../claims.js';
import type { CURVES_COLUMNS, SUMMARY_COLUMNS, TRACE_COLUMNS } from '../csv.js';

/** What a cell holds: how messages name it, and its value (undefined when the text is not one). */
export interface CellKind<T> {
  expected: string;
  read(text: string): T | undefined;
}

// csv.ts's num() writes JavaScript's shortest round-trip form (decimal or exponent notation), ±Infinity
// spelled out (a diverged run's loss) and NaN as an empty cell; "NaN", "inf", hex or padding are not
// its output. Number() alone would accept all of those, and read "" as 0.
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const number: CellKind<number> = {
  expected: 'a number',
  read: (s) => (DECIMAL.test(s) || s === 'Infinity' || s === '-Infinity' ? Number(s) : undefined),
};
/** A number, or NaN where num() left the cell empty (NaN, or no value: accuracy of a regression). */
const numberOrEmpty: CellKind<number> = { expected: 'a number', read: (s) => (s === '' ? NaN : number.read(s)) };
const integer: CellKind<number> = { expected: 'an integer', read: (s) => (/^-?\d+$/.test(s) ? Number(s) : undefined) };
const integerOrEmpty: CellKind<number> = { expected: 'an integer', read: (s) => (s === '' ? NaN : integer.read(s)) };
const name: CellKind<string> = { expected: 'a name', read: (s) => (s === '' ? undefined : s) };
const text: CellKind<string> = { expected: 'text', read: (s) => s };
const flag: CellKind<boolean> = { expected: '0 or 1', read: (s) => (s === '1' ? true : s === '0' ? false : undefined) };
function oneOf<T extends string>(...values: T[]): CellKind<T> {
  return { expected: `one of ${values.join(', ')}`, read: (s) => values.find((v) => v === s) };
}

export type Columns = Record<string, CellKind<unknown>>;
type Value<K> = K extends CellKind<infer T> ? T : never;

/** A CSV as plot reads it: columns that must be there, and columns read only when present. */
export interface CsvSpec<C extends Columns = Columns, O extends Columns = Columns> {
  columns: C;
  optional: O;
}
export type Row<S> = S extends CsvSpec<infer C, infer O> ? { [K in keyof C]: Value<C[K]> } & { [K in keyof O]?: Value<O[K]> } : never;

type Of<T extends readonly string[]> = Partial<Record<T[number], CellKind<unknown>>>;

/** curves.csv: every column of the contract. */
export const CURVES = {
  columns: { run: name, optimizer: name, seed: integer, step: integer, split: oneOf('train', 'val'), loss: numberOrEmpty, accuracy: numberOrEmpty } satisfies Of<typeof CURVES_COLUMNS>,
  optional: {},
};

/** trace.csv: what the charts draw (rho_t, r_t empty off RAdam rows; alr_* empty off Adam-family rows). */
export const TRACE = {
  columns: { run: name, optimizer: name, seed: integer, step: integer, lr: number, rho_t: numberOrEmpty, r_t: numberOrEmpty, adaptive: flag } satisfies Of<typeof TRACE_COLUMNS>,
  optional: { alr_mean: numberOrEmpty, alr_cv: numberOrEmpty } satisfies Of<typeof TRACE_COLUMNS>,
};

/** A compare's summary.csv: shown as a table; kind and the exact first rectified step feed the charts. */
export const SUMMARY = {
  columns: { run: name, optimizer: name, kind: name, first_adaptive_step: integerOrEmpty } satisfies Of<typeof SUMMARY_COLUMNS>,
  optional: {},
};

/** claims.csv of reproduce. */
export const CLAIMS = {
  columns: {
    claim: name,
    metric: name,
    optimizer: text,
    baseline: text,
    comparison: text,
    observed: numberOrEmpty,
    expected: text,
    margin: numberOrEmpty,
    status: oneOf('PASS', 'FAIL'),
  } satisfies Record<(typeof CLAIMS_COLUMNS)[number], CellKind<unknown>>,
  optional: {},
};

/** A sweep's lr_robustness.csv (aggregate.ts robustnessCsv); an empty loss: every point at that lr diverged. */
export const LR_ROBUSTNESS = {
  columns: { optimizer: name, lr: number, final_train_loss_mean: numberOrEmpty, points: integer, diverged_points: integer },
  optional: {},
};

/** A sweep's sweep_summary.csv (aggregate.ts pointsCsv): shown as a table. */
export const SWEEP_POINTS = { columns: { optimizer: name }, optional: {} };

/** variance.csv (cli/variance.ts): beta2 only when several β₂ were simulated; NaN where ρ_t ≤ 4. */
export const VARIANCE = {
  columns: { t: integer, rho_t: number, var_sim: numberOrEmpty, var_approx: numberOrEmpty, r_t: numberOrEmpty, r_sim: numberOrEmpty },
  optional: { beta2: number },
};

/** manifest.json of compare (and so of reproduce) and of variance. */
export const Manifest = z.looseObject({
  tool: z.literal('radam-run'),
  version: z.string(),
  command: z.array(z.string()).optional(),
  started: z.string().optional(),
  /** The files the command wrote beside it. */
  files: z.array(z.string()),
  /** compare: the resolved experiment. */
  config: z
    .looseObject({
      name: z.string().optional(),
      optimizers: z.array(z.looseObject({ name: z.string().optional(), kind: z.string(), rho_threshold: z.number().optional() })),
    })
    .optional(),
});
export type Manifest = z.infer<typeof Manifest>;

/** A compare's summary.json: the runs that finished (an empty list: every run failed). */
export const CompareSummary = z.looseObject({ runs: z.array(z.looseObject({ run: z.string() })) });

/** Run ids name directories under runs/: plain hex hashes, never a path. */
const runId = z.string().regex(/^[0-9A-Za-z_-]+$/, 'a run id (letters, digits, - and _)');
const point = z.record(z.string(), z.unknown());

/** A sweep's sweep.json: the plan. */
export const SweepPlan = z.looseObject({
  name: z.string(),
  params: z.array(z.string()),
  runs: z.array(z.looseObject({ id: runId, optimizer: z.string(), point })),
});
export type SweepPlan = z.infer<typeof SweepPlan>;

/** A sweep's sweep_summary.json: how many runs were complete, and the best point of each optimizer. */
export const SweepSummary = z.looseObject({
  runs_complete: z.number().int().min(0),
  runs_planned: z.number().int().min(0).optional(),
  /** Written when runs of the plan are missing (another shard's, or an interrupted sweep's). */
  partial: z.literal(true).optional(),
  best: z.array(z.looseObject({ optimizer: z.string(), point, lr: z.number() })),
});

/** runs/<id>/summary.json of a sweep run: a failed run may have no logged step at all. */
export const SweepRunSummary = z.looseObject({ id: runId, status: z.enum(['ok', 'diverged', 'failed']) });
