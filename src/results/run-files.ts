// The files of a set of runs (DESIGN.md's output contract): curves.csv and trace.csv, long ("tidy")
// tables with one header row and steps from 1, and summary.csv / summary.json, one row per run. The
// column lists, their writers, and what a reader checks of each file when it reads one back.
import { z } from 'zod';
import type { EvalRecord, RunSpec, RunSummary, StepRecord } from '../train/train.js';
import { flag, integer, integerOrEmpty, name, num, number, numberOrEmpty, oneOf, toCsv, type Cell, type KindsOf } from './cells.js';
import type { RunResult } from './run-result.js';

export const CURVES_COLUMNS = ['run', 'optimizer', 'seed', 'step', 'split', 'loss', 'accuracy'] as const;
export const TRACE_COLUMNS = [
  'run',
  'optimizer',
  'seed',
  'step',
  'lr',
  'rho_t',
  'r_t',
  'adaptive',
  'grad_norm',
  'update_norm',
  'alr_mean',
  'alr_cv',
] as const;
const optionalNumber = z.number().nullable();

/**
 * One flat record per run, as in summary.csv / summary.json (and a sweep run's runs/<id>/summary.json);
 * its keys in order are summary.csv's columns. Values absent or NaN are null (JSON has no NaN).
 */
export const SummaryRecord = z.object({
  run: z.string(),
  optimizer: z.string(),
  kind: z.string(),
  seed: z.number(),
  params: z.number(),
  steps: z.number(),
  final_train_loss: optionalNumber,
  last_train_loss: optionalNumber,
  best_train_loss: optionalNumber,
  best_step: optionalNumber,
  final_train_accuracy: optionalNumber,
  final_val_loss: optionalNumber,
  best_val_loss: optionalNumber,
  final_val_accuracy: optionalNumber,
  diverged: z.boolean(),
  diverged_at: optionalNumber,
  first_adaptive_step: optionalNumber,
  entropy_rate: optionalNumber,
  wall_seconds: z.number(),
  steps_per_second: optionalNumber,
  diverged_reason: z.string().nullable(),
  // optional: summaries stored before eval.test existed (a sweep's runs/<id>/summary.json) still read
  final_test_loss: optionalNumber.optional(),
  final_test_accuracy: optionalNumber.optional(),
});
export type SummaryRecord = z.infer<typeof SummaryRecord>;

const SUMMARY_COLUMNS = Object.keys(SummaryRecord.shape) as readonly (keyof SummaryRecord)[];

export function curvesCsv(results: RunResult[]): string {
  const rows: Cell[][] = [];
  for (const r of results) {
    // train rows and eval rows (val, then test) interleaved by step; at equal steps train comes first
    const evals = r.evals;
    let e = 0;
    for (const s of r.steps) {
      while (e < evals.length && evals[e]!.step < s.step) rows.push(curvesRow(r.spec, evals[e++]!));
      rows.push(curvesRow(r.spec, s));
    }
    while (e < evals.length) rows.push(curvesRow(r.spec, evals[e++]!));
  }
  return toCsv(CURVES_COLUMNS, rows);
}

/** A curves.csv row: a step record is a train row, an eval record a val or test row. */
export function curvesRow(spec: RunSpec, record: StepRecord | EvalRecord): Cell[] {
  const split = 'split' in record ? record.split : 'train';
  return [spec.run, spec.optimizer.name, spec.seed, record.step, split, num(record.loss), num(record.accuracy)];
}

export function traceCsv(results: RunResult[]): string {
  const rows: Cell[][] = [];
  for (const r of results) for (const s of r.steps) rows.push(traceRow(r.spec, s));
  return toCsv(TRACE_COLUMNS, rows);
}

/** A trace.csv row; rho_t and r_t are filled on RAdam rows only. */
export function traceRow(spec: RunSpec, s: StepRecord): Cell[] {
  const isRAdam = spec.optimizer.kind === 'radam';
  return [
    spec.run,
    spec.optimizer.name,
    spec.seed,
    s.step,
    num(s.lr),
    isRAdam ? num(s.rhoT) : '',
    isRAdam ? num(s.rect) : '',
    s.adaptive ? 1 : 0,
    num(s.gradNorm),
    num(s.updateNorm),
    num(s.alrMean),
    num(s.alrCv),
  ];
}

export function summaryRecord(s: RunSummary): SummaryRecord {
  const opt = (x: number | undefined | null): number | null => (x === undefined || x === null || Number.isNaN(x) ? null : x);
  return {
    run: s.run,
    optimizer: s.optimizer,
    kind: s.kind,
    seed: s.seed,
    params: s.params,
    steps: s.stepsDone,
    final_train_loss: opt(s.finalLoss),
    last_train_loss: opt(s.lastLoss),
    best_train_loss: opt(s.bestLoss),
    best_step: s.bestStep || null,
    final_train_accuracy: opt(s.finalAccuracy),
    final_val_loss: opt(s.finalValLoss),
    best_val_loss: opt(s.bestValLoss),
    final_val_accuracy: opt(s.finalValAccuracy),
    diverged: s.divergedAt !== null,
    diverged_at: s.divergedAt,
    first_adaptive_step: s.firstAdaptiveStep,
    entropy_rate: opt(s.info.entropy_rate),
    wall_seconds: s.wallSeconds,
    steps_per_second: opt(s.stepsPerSecond),
    diverged_reason: s.divergedReason,
    final_test_loss: opt(s.finalTestLoss),
    final_test_accuracy: opt(s.finalTestAccuracy),
  };
}

export function summaryCsv(summaries: RunSummary[]): string {
  const rows = summaries.map((s) => {
    const rec = summaryRecord(s);
    return SUMMARY_COLUMNS.map((c) => {
      const v = rec[c];
      if (typeof v === 'boolean') return v ? 1 : 0;
      return v === null || v === undefined ? '' : typeof v === 'number' ? num(v) : v;
    });
  });
  return toCsv(SUMMARY_COLUMNS, rows);
}

/** A compare's summary.json: the runs that finished and the runs that crashed. */
export interface SummaryJson {
  experiment: string;
  runs: SummaryRecord[];
  failed: { run: string; error: string }[];
}

export function summaryJson(experiment: string, results: RunResult[]): SummaryJson {
  return {
    experiment,
    runs: results.flatMap((r) => (r.summary ? [summaryRecord(r.summary)] : [])),
    failed: results.flatMap((r) => (r.error ? [{ run: r.spec.run, error: r.error }] : [])),
  };
}

/** What a reader checks of a compare's summary.json: the runs that finished (an empty list: every run failed). */
export const CompareSummary = z.looseObject({ runs: z.array(z.looseObject({ run: z.string() })) });

/** curves.csv read back: every column of the contract. */
export const CURVES = {
  columns: { run: name, optimizer: name, seed: integer, step: integer, split: oneOf('train', 'val', 'test'), loss: numberOrEmpty, accuracy: numberOrEmpty } satisfies KindsOf<typeof CURVES_COLUMNS>,
  optional: {},
};

/** trace.csv read back: what the charts draw (rho_t, r_t empty off RAdam rows; alr_* empty off Adam-family rows). */
export const TRACE = {
  columns: { run: name, optimizer: name, seed: integer, step: integer, lr: number, rho_t: numberOrEmpty, r_t: numberOrEmpty, adaptive: flag, grad_norm: numberOrEmpty, update_norm: numberOrEmpty } satisfies KindsOf<typeof TRACE_COLUMNS>,
  optional: { alr_mean: numberOrEmpty, alr_cv: numberOrEmpty } satisfies KindsOf<typeof TRACE_COLUMNS>,
};

/** A compare's summary.csv read back: shown as a table; kind, the exact first rectified step and the data's entropy rate (the loss floor) feed the charts. */
export const SUMMARY = {
  columns: { run: name, optimizer: name, kind: name, first_adaptive_step: integerOrEmpty } satisfies KindsOf<typeof SUMMARY_COLUMNS>,
  optional: { entropy_rate: numberOrEmpty } satisfies KindsOf<typeof SUMMARY_COLUMNS>,
};
