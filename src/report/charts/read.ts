// Reading an output directory back for the charts: which outputs it holds (compare, sweep, reproduce's
// claims, variance) and their CSVs as typed rows. The inverse of csv.ts, aggregate.ts and run/sweep.ts;
// bad or foreign directories are a ConfigError, never a crash.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../../config/errors.js';
import { canonicalJson } from '../../run/hash.js';

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
  summary: Table | undefined;
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
  points: Table | undefined;
  plan: Record<string, unknown>;
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
  manifest: Record<string, unknown> | undefined;
}

export const CLAIMS_COLUMNS = ['claim', 'metric', 'optimizer', 'baseline', 'comparison', 'observed', 'expected', 'margin', 'status'];
const VARIANCE_COLUMNS = ['t', 'rho_t', 'var_sim', 'var_approx', 'r_t', 'r_sim'];

/** A number cell: empty → NaN; "Infinity" and friends as JavaScript reads them. */
export function cellNumber(text: string | undefined): number {
  return text === undefined || text.trim() === '' ? NaN : Number(text);
}

export function readTable(file: string, required: readonly string[] = []): Table {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`${file}: expected a readable CSV file, got none`);
  }
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    throw new ConfigError(`${file}: expected CSV, got text the parser rejects (${(err as Error).message.split('\n')[0]})`);
  }
  const columns = records[0] ?? [];
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) throw new ConfigError(`${file}: expected columns ${required.join(',')}, got ${columns.join(',') || 'an empty file'}`);
  const rows = records.slice(1).map((cells) => Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? ''])));
  return { columns, rows };
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new ConfigError(`${file}: expected a JSON object, got a file that is missing or not valid JSON`);
  }
}

function readCurves(file: string): CurveRow[] {
  return readTable(file, ['run', 'optimizer', 'seed', 'step', 'split', 'loss', 'accuracy']).rows.map((r) => ({
    run: r.run!,
    optimizer: r.optimizer!,
    seed: cellNumber(r.seed),
    step: cellNumber(r.step),
    split: r.split!,
    loss: cellNumber(r.loss),
    accuracy: cellNumber(r.accuracy),
  }));
}

function readTrace(file: string): TraceRow[] {
  return readTable(file, ['run', 'optimizer', 'seed', 'step', 'lr', 'rho_t', 'r_t', 'adaptive']).rows.map((r) => ({
    run: r.run!,
    optimizer: r.optimizer!,
    seed: cellNumber(r.seed),
    step: cellNumber(r.step),
    lr: cellNumber(r.lr),
    rhoT: cellNumber(r.rho_t),
    rect: cellNumber(r.r_t),
    adaptive: r.adaptive === '1',
    alrMean: cellNumber(r.alr_mean),
    alrCv: cellNumber(r.alr_cv),
  }));
}

/** Optimizers in the order they first appear (the order colorFor uses), with RAdam's threshold. */
function optimizerInfo(curves: CurveRow[], trace: TraceRow[], summary: Table | undefined, manifest: Record<string, unknown> | undefined): OptimizerInfo[] {
  const config = (manifest?.config ?? {}) as { optimizers?: { name?: string; kind: string; rho_threshold?: number }[] };
  const specs = config.optimizers ?? [];
  const names = [...new Set([...specs.map((s) => s.name ?? s.kind), ...curves.map((c) => c.optimizer), ...trace.map((t) => t.optimizer)])];
  return names.map((name) => {
    const spec = specs.find((s) => (s.name ?? s.kind) === name);
    const kind = spec?.kind ?? summary?.rows.find((r) => r.optimizer === name)?.kind ?? (trace.some((t) => t.optimizer === name && !Number.isNaN(t.rhoT)) ? 'radam' : name);
    // summary.csv's first_adaptive_step is exact whatever log_every was; the trace only sees logged steps
    const fromSummary = (summary?.rows ?? []).filter((r) => r.optimizer === name).map((r) => cellNumber(r.first_adaptive_step)).filter((x) => !Number.isNaN(x));
    const fromTrace = trace.filter((t) => t.optimizer === name && t.adaptive && !Number.isNaN(t.rhoT)).map((t) => t.step);
    const firsts = fromSummary.length > 0 ? fromSummary : fromTrace;
    return {
      name,
      kind,
      rhoThreshold: kind === 'radam' ? (spec?.rho_threshold ?? 5) : undefined,
      firstRectifiedStep: kind === 'radam' && firsts.length > 0 ? Math.min(...firsts) : null,
    };
  });
}

function readCompare(dir: string, manifest: Record<string, unknown> | undefined): CompareData {
  const curves = readCurves(join(dir, 'curves.csv'));
  const trace = readTrace(join(dir, 'trace.csv'));
  const summary = existsSync(join(dir, 'summary.csv')) ? readTable(join(dir, 'summary.csv')) : undefined;
  return { curves, trace, summary, optimizers: optimizerInfo(curves, trace, summary, manifest) };
}

function readSweep(dir: string): SweepData {
  const plan = readJson(join(dir, 'sweep.json')) as { name?: string; params?: string[]; runs?: { id: string; optimizer: string; point: Record<string, unknown> }[] };
  const robustness = readTable(join(dir, 'lr_robustness.csv'), ['optimizer', 'lr', 'final_train_loss_mean', 'points', 'diverged_points']).rows.map((r) => {
    const loss = cellNumber(r.final_train_loss_mean);
    return { optimizer: r.optimizer!, lr: cellNumber(r.lr), finalLoss: Number.isNaN(loss) ? null : loss, points: cellNumber(r.points), divergedPoints: cellNumber(r.diverged_points) };
  });
  const summaryFile = join(dir, 'sweep_summary.json');
  const best: BestPoint[] = [];
  if (existsSync(summaryFile)) {
    const summary = readJson(summaryFile) as { best?: { optimizer: string; point: Record<string, unknown>; lr: number }[] };
    for (const b of summary.best ?? []) {
      const key = canonicalJson(b.point);
      const runs = (plan.runs ?? []).filter((r) => r.optimizer === b.optimizer && canonicalJson(r.point) === key);
      const curves = runs.flatMap((r) => {
        const file = join(dir, 'runs', r.id, 'curves.csv');
        return existsSync(file) ? readCurves(file) : [];
      });
      best.push({ optimizer: b.optimizer, point: b.point, lr: b.lr, curves });
    }
  }
  const pointsFile = join(dir, 'sweep_summary.csv');
  return {
    name: plan.name ?? 'sweep',
    params: plan.params ?? [],
    robustness,
    best,
    points: existsSync(pointsFile) ? readTable(pointsFile) : undefined,
    plan: { ...plan, runs: plan.runs?.length ?? 0 },
  };
}

function readVariance(file: string): VarianceRow[] {
  const table = readTable(file, VARIANCE_COLUMNS);
  const hasBeta2 = table.columns.includes('beta2');
  return table.rows.map((r) => ({
    beta2: hasBeta2 ? cellNumber(r.beta2) : null,
    t: cellNumber(r.t),
    rhoT: cellNumber(r.rho_t),
    varSim: cellNumber(r.var_sim),
    varApprox: cellNumber(r.var_approx),
    rect: cellNumber(r.r_t),
    rectSim: cellNumber(r.r_sim),
  }));
}

/** Read whatever `compare`, `sweep`, `reproduce` or `variance` wrote into DIR. */
export function readOutputDir(dir: string): OutputData {
  if (!existsSync(dir)) throw new ConfigError(`${dir}: expected an output directory of compare, sweep, reproduce or variance, got nothing at that path`);
  if (!statSync(dir).isDirectory()) throw new ConfigError(`${dir}: expected an output directory, got a file`);
  const has = (f: string): boolean => existsSync(join(dir, f));
  const isCompare = has('curves.csv') && has('trace.csv');
  const isSweep = has('sweep.json') && has('lr_robustness.csv');
  if (!isCompare && !isSweep && !has('claims.csv') && !has('variance.csv')) {
    throw new ConfigError(`${dir}: expected the output of compare, sweep, reproduce or variance (curves.csv + trace.csv, sweep.json + lr_robustness.csv, claims.csv or variance.csv), got none of them`);
  }
  const manifest = has('manifest.json') ? readJson(join(dir, 'manifest.json')) : undefined;
  const compare = isCompare ? readCompare(dir, manifest) : undefined;
  const sweep = isSweep ? readSweep(dir) : undefined;
  const config = manifest?.config as { name?: string } | undefined;
  return {
    dir,
    name: config?.name ?? sweep?.name ?? (dir.replace(/\/+$/, '').split('/').pop() || dir),
    compare,
    sweep,
    claims: has('claims.csv') ? readTable(join(dir, 'claims.csv'), CLAIMS_COLUMNS) : undefined,
    variance: has('variance.csv') ? readVariance(join(dir, 'variance.csv')) : undefined,
    manifest,
  };
}
