// Reading an output directory back: which outputs it holds (compare, sweep, reproduce's claims,
// variance) and their files as typed rows, each checked as read.ts checks. The inverse of the writers
// beside it; what plot and the report draw from.
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError } from '../base/errors.js';
import { canonicalJson } from '../base/canonical-json.js';
import type { Row } from './cells.js';
import { LR_ROBUSTNESS, SWEEP_POINTS, SweepSummary, type RobustnessRow } from './aggregate.js';
import { CLAIMS } from './claims.js';
import { Manifest } from './output-dir.js';
import { readCsv, readJson, type Table } from './read.js';
import { CompareSummary, CURVES, SUMMARY, TRACE } from './run-files.js';
import { runDir, runProblem, StoredSummary } from './run-store.js';
import { SWEEP_PLOTTED, SweepJson } from './sweep-dir.js';
import { readVariance, type VarianceFileRow } from './variance-file.js';

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
  /** ‖g_t‖₂ and ‖θ_t − θ_{t−1}‖₂ (grad_norm, update_norm). */
  gradNorm: number;
  updateNorm: number;
  alrMean: number;
  alrCv: number;
}

export interface CompareData {
  curves: CurveRow[];
  trace: TraceRow[];
  summary: Table;
  /** summary.csv's rows as the charts use them (kind, first_adaptive_step). */
  summaryRows: Row<typeof SUMMARY>[];
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

export interface OutputData {
  dir: string;
  /** A name for titles: the experiment's or the sweep's, else the directory's. */
  name: string;
  compare: CompareData | undefined;
  sweep: SweepData | undefined;
  claims: Table | undefined;
  variance: VarianceFileRow[] | undefined;
  /** manifest.json as written by the command, when there is one. */
  manifest: Manifest | undefined;
}

/** What plot checks of a sweep run's summary.json: a failed run may have no logged step at all. */
const RunStatus = StoredSummary.pick({ id: true, status: true });

function readCompare(dir: string): CompareData {
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
    gradNorm: r.grad_norm,
    updateNorm: r.update_norm,
    alrMean: r.alr_mean ?? NaN,
    alrCv: r.alr_cv ?? NaN,
  }));
  const summary = readCsv(join(dir, 'summary.csv'), SUMMARY, emptyIsValid);
  return { curves, trace, summary: summary.table, summaryRows: summary.rows };
}

/** The curves of the plan's runs at one point; runs not (yet) stored in this directory have none. */
function pointCurves(dir: string, plan: SweepJson, optimizer: string, point: Record<string, unknown>): CurveRow[] {
  const key = canonicalJson(point);
  const runs = plan.runs.filter((r) => r.optimizer === optimizer && canonicalJson(r.point) === key);
  return runs.flatMap((r) => {
    const stored = runDir(dir, r.id);
    // the run store's rule: a run directory appears complete, so one that fails the check is damaged
    const problem = runProblem(dir, r.id);
    if (problem === 'missing') return [];
    if (problem !== undefined) throw new ConfigError(`${stored}: expected a complete run, got one where ${problem}`);
    // a run that crashed before its first logged step leaves a curves.csv with a header only
    const failed = readJson(join(stored, 'summary.json'), RunStatus).status === 'failed';
    return readCsv(join(stored, 'curves.csv'), CURVES, failed).rows;
  });
}

function readSweep(dir: string): SweepData {
  const plan = readJson(join(dir, 'sweep.json'), SweepJson);
  const summary = readJson(join(dir, 'sweep_summary.json'), SweepSummary);
  // aggregates of a sweep with no complete run yet are headers only
  const noRuns = summary.runs_complete === 0;
  const robustness = readCsv(join(dir, 'lr_robustness.csv'), LR_ROBUSTNESS, noRuns).rows.map((r) => ({
    optimizer: r.optimizer,
    lr: r.lr,
    final_train_loss_mean: Number.isNaN(r.final_train_loss_mean) ? null : r.final_train_loss_mean,
    points: r.points,
    diverged_points: r.diverged_points,
  }));
  const best = summary.best.map((b) => ({ optimizer: b.optimizer, point: b.point, lr: b.lr, curves: pointCurves(dir, plan, b.optimizer, b.point) }));
  return {
    name: plan.name,
    params: plan.params,
    robustness,
    best,
    points: readCsv(join(dir, 'sweep_summary.csv'), SWEEP_POINTS, noRuns).table,
    // the plan as report.html shows it (in the order it always has), its runs counted
    plan: { name: plan.name, params: plan.params, runs: plan.runs.length, sweep_id: plan.sweep_id, method: plan.method, points: plan.points },
    partial: summary.partial ? { complete: summary.runs_complete, planned: summary.runs_planned ?? plan.runs.length } : undefined,
  };
}

/** Files of compare (and reproduce) and variance; manifest.json, written last, lists them. */
const WITH_MANIFEST = ['curves.csv', 'trace.csv', 'summary.csv', 'summary.json', 'variance.csv'];

/** Read whatever `compare`, `sweep`, `reproduce` or `variance` wrote into DIR, checking every file it needs. */
export function readOutputDir(dir: string): OutputData {
  if (!existsSync(dir)) throw new ConfigError(`${dir}: expected an output directory of compare, sweep, reproduce or variance, got nothing at that path`);
  if (!statSync(dir).isDirectory()) throw new ConfigError(`${dir}: expected an output directory, got a file`);
  const path = (f: string): string => join(dir, f);
  const has = (f: string): boolean => existsSync(path(f));
  const none = new ConfigError(
    `${dir}: expected the output of compare, sweep, reproduce or variance (curves.csv + trace.csv, sweep.json + lr_robustness.csv, claims.csv or variance.csv), got none of them`,
  );
  if (![...WITH_MANIFEST, ...SWEEP_PLOTTED, 'manifest.json', 'claims.csv'].some(has)) throw none;

  let manifest: Manifest | undefined;
  if (has('manifest.json')) {
    manifest = readJson(path('manifest.json'), Manifest);
    const missing = manifest.files.find((f) => !has(f));
    if (missing !== undefined) throw new ConfigError(`${path(missing)}: expected a file (manifest.json lists it), got no such file`);
  } else {
    const orphan = WITH_MANIFEST.find(has);
    if (orphan !== undefined) throw new ConfigError(`${path('manifest.json')}: expected the manifest written with ${orphan}, got no such file`);
  }
  if (SWEEP_PLOTTED.some(has)) {
    const missing = SWEEP_PLOTTED.filter((f) => !has(f));
    const unfinished = missing.length === 3 && has('sweep.json') ? ' (an unfinished sweep? running it again into this directory finishes it)' : '';
    if (missing.length > 0) throw new ConfigError(`${path(missing[0]!)}: expected a file (a sweep writes ${SWEEP_PLOTTED.join(', ')}), got no such file${unfinished}`);
  }

  const compare = manifest?.files.includes('curves.csv') ? readCompare(dir) : undefined;
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
