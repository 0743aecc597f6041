// The run store of a sweep: the only code that knows the layout OUT/runs/<id>/ (spec.json, curves.csv,
// trace.csv, summary.json) and the one rule for "this run is complete", used by the sweep, its resume,
// its dry run and merge. A run directory appears only by an atomic rename of a finished staging
// directory, and its summary.json records the row count and SHA-256 of each CSV, so a truncated or
// altered file is detected and the run redone instead of trusted.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curvesCsv, summaryRecord, traceCsv } from '../report/csv.js';
import { isStaleTag, PROCESS_TAG } from '../results/atomic.js';
import type { RunOutcome } from '../report/aggregate.js';
import type { RunResult } from './execute.js';
import { shortHash } from './hash.js';
import type { PlannedRun } from './sweep-plan.js';

/** A run's CSVs as recorded in its summary.json: how many data rows and their SHA-256. */
interface FileCheck {
  rows: number;
  sha256: string;
}

export interface StoredSummary {
  id: string;
  optimizer: string;
  seed: number;
  lr: number;
  point: Record<string, unknown>;
  status: 'ok' | 'diverged' | 'failed';
  error?: string;
  summary: ReturnType<typeof summaryRecord> | null;
  /** Absent in run directories written by radam-run 0.1.0: those cannot be verified (and predate the current divergence rule), so they are redone. */
  files?: Record<string, FileCheck>;
}

const CSV_FILES = ['curves.csv', 'trace.csv'] as const;

function fileCheck(text: string): FileCheck {
  const lines = text.split('\n').length - 1;
  return { rows: Math.max(0, lines - 1), sha256: createHash('sha256').update(text).digest('hex') };
}

function runDir(outDir: string, id: string): string {
  return join(outDir, 'runs', id);
}

/** Why OUT/runs/<id> is not a complete record of run `id` (undefined: it is). */
export function runProblem(outDir: string, id: string): string | undefined {
  const dir = runDir(outDir, id);
  if (!existsSync(dir)) return 'missing';
  try {
    const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as { id?: string; spec?: unknown };
    if (spec.id !== id || shortHash(spec.spec) !== id) return 'spec.json does not match the run id';
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as StoredSummary;
    if (summary.id !== id) return 'summary.json names another run';
    for (const f of CSV_FILES) {
      const text = readFileSync(join(dir, f), 'utf8');
      const expected = summary.files?.[f];
      if (expected === undefined) return `summary.json records no checksum of ${f} (written by radam-run 0.1.0)`;
      const actual = fileCheck(text);
      if (actual.rows !== expected.rows) return `${f} has ${actual.rows} rows, summary.json records ${expected.rows}`;
      if (actual.sha256 !== expected.sha256) return `${f} does not match the checksum in summary.json`;
    }
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'a file is missing' : 'a file is unreadable or not valid JSON';
  }
}

export function isRunComplete(outDir: string, id: string): boolean {
  return runProblem(outDir, id) === undefined;
}

/** Where a run is staged before its rename into place; host and pid let a later process tell a live one from a crash's leftover. */
function stagingDir(outDir: string, id: string): string {
  return join(outDir, 'runs', `.${id}.partial-${PROCESS_TAG}`);
}

/** A staging directory of ours (`.<id>.partial-HOST-PID`) whose process is gone. */
function isStaleStaging(entry: string): boolean {
  const m = /^\.[0-9a-f]{12}\.partial-(.+)$/.exec(entry);
  return m !== null && isStaleTag(m[1]!);
}

/** Move a finished staging directory into place, unless an identical complete run got there first (a concurrent shard). */
function publish(outDir: string, id: string, staging: string): void {
  const dst = runDir(outDir, id);
  if (existsSync(dst)) {
    if (isRunComplete(outDir, id)) {
      rmSync(staging, { recursive: true, force: true });
      return;
    }
    rmSync(dst, { recursive: true, force: true });
  }
  renameSync(staging, dst);
}

/** Store a finished (or crashed) run as OUT/runs/<id>, atomically. */
export function writeRun(outDir: string, run: PlannedRun, result: RunResult): void {
  const s = result.summary;
  const curves = curvesCsv([result]);
  const trace = traceCsv([result]);
  const stored: StoredSummary = {
    id: run.id,
    optimizer: run.optimizer,
    seed: run.seed,
    lr: run.spec.optimizer.lr,
    point: run.point,
    status: result.error ? 'failed' : s?.divergedAt != null ? 'diverged' : 'ok',
    ...(result.error ? { error: result.error } : {}),
    summary: s ? summaryRecord(s) : null,
    files: { 'curves.csv': fileCheck(curves), 'trace.csv': fileCheck(trace) },
  };
  const staging = stagingDir(outDir, run.id);
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'spec.json'), JSON.stringify({ id: run.id, optimizer: run.optimizer, seed: run.seed, point: run.point, spec: run.body }, null, 2) + '\n');
    writeFileSync(join(staging, 'curves.csv'), curves);
    writeFileSync(join(staging, 'trace.csv'), trace);
    writeFileSync(join(staging, 'summary.json'), JSON.stringify(stored, null, 2) + '\n');
    publish(outDir, run.id, staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Copy run `id` from another output (merge), atomically. */
export function copyRun(fromOut: string, toOut: string, id: string): void {
  const staging = stagingDir(toOut, id);
  try {
    rmSync(staging, { recursive: true, force: true });
    cpSync(runDir(fromOut, id), staging, { recursive: true });
    publish(toOut, id, staging);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

export function readStoredSummary(outDir: string, id: string): StoredSummary {
  return JSON.parse(readFileSync(join(runDir(outDir, id), 'summary.json'), 'utf8')) as StoredSummary;
}

export function readOutcome(outDir: string, id: string): RunOutcome {
  const s = readStoredSummary(outDir, id);
  return {
    id: s.id,
    optimizer: s.optimizer,
    seed: s.seed,
    lr: s.lr,
    point: s.point,
    finalTrainLoss: s.summary?.final_train_loss as number | null,
    bestValLoss: (s.summary?.best_val_loss as number | null) ?? null,
    finalValAccuracy: (s.summary?.final_val_accuracy as number | null) ?? null,
    diverged: s.status === 'diverged',
    failed: s.status === 'failed',
  };
}

/**
 * Classify OUT/runs before a sweep starts: which planned runs are complete; remove corrupt ones and,
 * with `retryFailed`, runs that crashed (both reported, to be redone); remove what crashed processes
 * left (staging directories whose process is gone; live ones belong to shards running now); count
 * foreign entries (left alone, like anything else not named as ours).
 */
export function scanRuns(outDir: string, planned: Set<string>, notice: (m: string) => void, retryFailed = false): Set<string> {
  const runsDir = join(outDir, 'runs');
  const complete = new Set<string>();
  let foreign = 0;
  for (const entry of existsSync(runsDir) ? readdirSync(runsDir) : []) {
    if (entry.startsWith('.')) {
      if (isStaleStaging(entry)) rmSync(join(runsDir, entry), { recursive: true, force: true });
      continue;
    }
    if (!planned.has(entry)) {
      foreign++;
      continue;
    }
    const problem = runProblem(outDir, entry);
    const stored = problem === undefined && retryFailed ? readStoredSummary(outDir, entry) : undefined;
    if (problem) {
      notice(`runs/${entry}: incomplete or corrupt (${problem}); it will be redone`);
      rmSync(join(runsDir, entry), { recursive: true, force: true });
    } else if (stored?.status === 'failed') {
      notice(`runs/${entry}: crashed last time (${stored.error ?? 'no message'}); it will be retried`);
      rmSync(join(runsDir, entry), { recursive: true, force: true });
    } else complete.add(entry);
  }
  if (foreign > 0) notice(`${foreign} entr${foreign === 1 ? 'y' : 'ies'} in runs/ not part of this sweep (left alone, not aggregated)`);
  return complete;
}
