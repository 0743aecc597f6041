// Reading an output directory back for the charts: which outputs it holds (compare, sweep, reproduce's
// claims, variance) and their files as typed rows, each checked against files.ts. The inverse of
// csv.ts, aggregate.ts and run/sweep.ts; a damaged, truncated or foreign file is a one-line
// ConfigError naming the file (and line), never a crash and never a chart silently left out.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, type CsvError } from 'csv-parse/sync';
import type { z } from 'zod';
import { ConfigError } from '../../config/errors.js';
import { formatIssues } from '../../config/format.js';
import { canonicalJson } from '../../base/canonical-json.js';
import { minOf } from './common.js';
import {
  CLAIMS,
  CompareSummary,
  CURVES,
  LR_ROBUSTNESS,
  Manifest,
  SUMMARY,
  SWEEP_POINTS,
  SweepPlan,
  SweepRunSummary,
  SweepSummary,
  TRACE,
  VARIANCE,
  type CsvSpec,
  type Row,
} from './files.js';

/** A CSV as read: header order kept, every cell a string. */
export interface Table {
  columns: string[];
  rows: Record<string, string>[];
}

/** One curves.csv row; loss/accuracy are NaN where the cell is empty. */
export interface CurveRow {
  run: string;
  optimizer: string;
  seed: number;
  step: number;
  split: string;
  loss: number;
  accuracy: number;
}

/** One trace.csv row; NaN where the cell is empty (rho_t, r_t off RAdam rows; alr_* off Adam rows). */
export interface TraceRow {
  run: string;
  optimizer: string;
  seed: number;
  step: number;
  lr: number;
  rhoT: number;
  rect: number;
  adaptive: boolean;
  alrMean: number;
  alrCv: number;
}

/** What the charts need of each optimizer of a compare (from manifest.json `config.optimizers[]`). */
export interface OptimizerInfo {
  name: string;
  kind: string;
  /** RAdam: rectify when ρ_t > rhoThreshold (schema default 5). */
  rhoThreshold: number | undefined;
  /** RAdam: the first step that applied the rectified update, or null if none did. */
  firstRectifiedStep: number | null;
}

export interface CompareData {
  curves: CurveRow[];
  trace: TraceRow[];
  summary: Table;
  optimizers: OptimizerInfo[];
}

/** One lr_robustness.csv row; finalLoss null = every point at this lr diverged (or failed). */
export interface RobustnessRow {
  optimizer: string;
  lr: number;
  finalLoss: number | null;
  points: number;
  divergedPoints: number;
}

/** The best point of one optimizer (sweep_summary.json `best`) and the curves of its runs. */
export interface BestPoint {
  optimizer: string;
  point: Record<string, unknown>;
  lr: number;
  curves: CurveRow[];
}

export interface SweepData {
  name: string;
  params: string[];
  robustness: RobustnessRow[];
  best: BestPoint[];
  points: Table;
  plan: Record<string, unknown>;
  /** Runs missing from the aggregates (`partial` in sweep_summary.json): complete / planned. */
  partial: { complete: number; planned: number } | undefined;
}

/** One variance.csv row; beta2 is null when the file has no beta2 column (a single β₂). */
export interface VarianceRow {
  beta2: number | null;
  t: number;
  rhoT: number;
  varSim: number;
  varApprox: number;
  rect: number;
  rectSim: number;
}

export interface OutputData {
  dir: string;
  /** A name for titles: the experiment's or the sweep's, else the directory's. */
  name: string;
  compare: CompareData | undefined;
  sweep: SweepData | undefined;
  claims: Table | undefined;
  variance: VarianceRow[] | undefined;
  /** manifest.json as written by the command, when there is one. */
  manifest: Manifest | undefined;
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
function readCsv<S extends CsvSpec>(file: string, spec: S, emptyIsValid = false): { table: Table; rows: Row<S>[] } {
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
function readJson<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
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

/** Optimizers in the order they first appear (the order colorFor uses), with RAdam's threshold. */
function optimizerInfo(curves: CurveRow[], trace: TraceRow[], summary: Row<typeof SUMMARY>[], manifest: Manifest | undefined): OptimizerInfo[] {
  const specs = manifest?.config?.optimizers ?? [];
  const names = [...new Set([...specs.map((s) => s.name ?? s.kind), ...curves.map((c) => c.optimizer), ...trace.map((t) => t.optimizer)])];
  return names.map((name) => {
    const spec = specs.find((s) => (s.name ?? s.kind) === name);
    const kind = spec?.kind ?? summary.find((r) => r.optimizer === name)?.kind ?? (trace.some((t) => t.optimizer === name && !Number.isNaN(t.rhoT)) ? 'radam' : name);
    // summary.csv's first_adaptive_step is exact whatever log_every was; the trace only sees logged steps
    const fromSummary = summary.filter((r) => r.optimizer === name).map((r) => r.first_adaptive_step).filter((x) => !Number.isNaN(x));
    const fromTrace = trace.filter((t) => t.optimizer === name && t.adaptive && !Number.isNaN(t.rhoT)).map((t) => t.step);
    const firsts = fromSummary.length > 0 ? fromSummary : fromTrace;
    return {
      name,
      kind,
      rhoThreshold: kind === 'radam' ? (spec?.rho_threshold ?? 5) : undefined,
      firstRectifiedStep: kind === 'radam' && firsts.length > 0 ? minOf(firsts) : null,
    };
  });
}

function readCompare(dir: string, manifest: Manifest): CompareData {
  // a compare whose every run failed has nothing to put under the CSVs' headers
  const emptyIsValid = readJson(join(dir, 'summary.json'), CompareSummary).runs.length === 0;
  const curves = readCsv(join(dir, 'curves.csv'), CURVES, emptyIsValid).rows;
  const trace = readCsv(join(dir, 'trace.csv'), TRACE, emptyIsValid).rows.map((r) => ({
    run: r.run,
    optimizer: r.optimizer,
    seed: r.seed,
    step: r.step,
    lr: r.lr,
    rhoT: r.rho_t,
    rect: r.r_t,
    adaptive: r.adaptive,
    alrMean: r.alr_mean ?? NaN,
    alrCv: r.alr_cv ?? NaN,
  }));
  const summary = readCsv(join(dir, 'summary.csv'), SUMMARY, emptyIsValid);
  return { curves, trace, summary: summary.table, optimizers: optimizerInfo(curves, trace, summary.rows, manifest) };
}

/** The curves of the plan's runs at one point; runs not (yet) complete in this directory have none. */
function pointCurves(dir: string, plan: SweepPlan, optimizer: string, point: Record<string, unknown>): CurveRow[] {
  const key = canonicalJson(point);
  const runs = plan.runs.filter((r) => r.optimizer === optimizer && canonicalJson(r.point) === key);
  return runs.flatMap((r) => {
    const runDir = join(dir, 'runs', r.id);
    if (!existsSync(runDir)) return [];
    // a run that crashed before its first logged step leaves a curves.csv with a header only
    const failed = readJson(join(runDir, 'summary.json'), SweepRunSummary).status === 'failed';
    return readCsv(join(runDir, 'curves.csv'), CURVES, failed).rows;
  });
}

function readSweep(dir: string): SweepData {
  const plan = readJson(join(dir, 'sweep.json'), SweepPlan);
  const summary = readJson(join(dir, 'sweep_summary.json'), SweepSummary);
  // aggregates of a sweep with no complete run yet are headers only
  const noRuns = summary.runs_complete === 0;
  const robustness = readCsv(join(dir, 'lr_robustness.csv'), LR_ROBUSTNESS, noRuns).rows.map((r) => ({
    optimizer: r.optimizer,
    lr: r.lr,
    finalLoss: Number.isNaN(r.final_train_loss_mean) ? null : r.final_train_loss_mean,
    points: r.points,
    divergedPoints: r.diverged_points,
  }));
  const best = summary.best.map((b) => ({ optimizer: b.optimizer, point: b.point, lr: b.lr, curves: pointCurves(dir, plan, b.optimizer, b.point) }));
  return {
    name: plan.name,
    params: plan.params,
    robustness,
    best,
    points: readCsv(join(dir, 'sweep_summary.csv'), SWEEP_POINTS, noRuns).table,
    plan: { ...plan, runs: plan.runs.length },
    partial: summary.partial ? { complete: summary.runs_complete, planned: summary.runs_planned ?? plan.runs.length } : undefined,
  };
}

function readVariance(file: string): VarianceRow[] {
  return readCsv(file, VARIANCE).rows.map((r) => ({
    beta2: r.beta2 ?? null,
    t: r.t,
    rhoT: r.rho_t,
    varSim: r.var_sim,
    varApprox: r.var_approx,
    rect: r.r_t,
    rectSim: r.r_sim,
  }));
}

/** Files of compare (and reproduce) and variance; manifest.json, written last, lists them. */
const WITH_MANIFEST = ['curves.csv', 'trace.csv', 'summary.csv', 'summary.json', 'variance.csv'];
/** A sweep writes sweep.json first and the three aggregates together when its runs end. */
const SWEEP_FILES = ['sweep.json', 'lr_robustness.csv', 'sweep_summary.csv', 'sweep_summary.json'];

/** Read whatever `compare`, `sweep`, `reproduce` or `variance` wrote into DIR, checking every file it needs. */
export function readOutputDir(dir: string): OutputData {
  if (!existsSync(dir)) throw new ConfigError(`${dir}: expected an output directory of compare, sweep, reproduce or variance, got nothing at that path`);
  if (!statSync(dir).isDirectory()) throw new ConfigError(`${dir}: expected an output directory, got a file`);
  const path = (f: string): string => join(dir, f);
  const has = (f: string): boolean => existsSync(path(f));
  const none = new ConfigError(
    `${dir}: expected the output of compare, sweep, reproduce or variance (curves.csv + trace.csv, sweep.json + lr_robustness.csv, claims.csv or variance.csv), got none of them`,
  );
  if (![...WITH_MANIFEST, ...SWEEP_FILES, 'manifest.json', 'claims.csv'].some(has)) throw none;

  let manifest: Manifest | undefined;
  if (has('manifest.json')) {
    manifest = readJson(path('manifest.json'), Manifest);
    const missing = manifest.files.find((f) => !has(f));
    if (missing !== undefined) throw new ConfigError(`${path(missing)}: expected a file (manifest.json lists it), got no such file`);
  } else {
    const orphan = WITH_MANIFEST.find(has);
    if (orphan !== undefined) throw new ConfigError(`${path('manifest.json')}: expected the manifest written with ${orphan}, got no such file`);
  }
  if (SWEEP_FILES.some(has)) {
    const missing = SWEEP_FILES.filter((f) => !has(f));
    const unfinished = missing.length === 3 && has('sweep.json') ? ' (an unfinished sweep? running it again into this directory finishes it)' : '';
    if (missing.length > 0) throw new ConfigError(`${path(missing[0]!)}: expected a file (a sweep writes ${SWEEP_FILES.join(', ')}), got no such file${unfinished}`);
  }

  const compare = manifest?.files.includes('curves.csv') ? readCompare(dir, manifest) : undefined;
  const sweep = has('sweep.json') ? readSweep(dir) : undefined;
  // an experiment without claims gets a claims.csv with a header only
  const claims = has('claims.csv') ? readCsv(path('claims.csv'), CLAIMS, true).table : undefined;
  const variance = manifest?.files.includes('variance.csv') ? readVariance(path('variance.csv')) : undefined;
  if (!compare && !sweep && !claims && !variance) throw none;
  return {
    dir,
    name: manifest?.config?.name ?? sweep?.name ?? (basename(dir) || dir),
    compare,
    sweep,
    claims,
    variance,
    manifest,
  };
}
