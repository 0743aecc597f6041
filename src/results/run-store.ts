// The run store of a sweep: the only code that knows the layout OUT/runs/<id>/ (spec.json, curves.csv,
// trace.csv, summary.json) and the one rule for "this run is complete", used by the sweep, its resume,
// its dry run and merge (and by plot, which reads the curves of the best points). A run directory
// appears only by an atomic rename of a finished staging directory, and its summary.json records the
// row count and SHA-256 of each CSV, so a truncated or altered file is detected and the run redone
// instead of trusted.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isStaleTag, PROCESS_TAG } from './atomic.js';
import { shortHash } from './run-id.js';
import { curvesCsv, summaryRecord, SummaryRecord, traceCsv } from './run-files.js';
import type { RunResult } from './run-result.js';

/** Run ids name directories under runs/: plain hex hashes, never a path. */
export const RunId = z.string().regex(/^[0-9A-Za-z_-]+$/, 'a run id (letters, digits, - and _)');

/** A planned run as the store records it: its id, what it is, and the spec body its id hashes. */
export interface StoredRun {
  id: string;
  optimizer: string;
  seed: number;
  /** The swept values that apply to this run. */
  point: Record<string, unknown>;
  /** What the id hashes (stored as spec.json `spec`). */
  body: unknown;
}

/** A run's CSVs as recorded in its summary.json: how many data rows and their SHA-256. */
const FileCheck = z.object({ rows: z.number(), sha256: z.string() });
type FileCheck = z.infer<typeof FileCheck>;

/** runs/<id>/summary.json. */
export const StoredSummary = z.object({
  id: RunId,
  optimizer: z.string(),
  seed: z.number(),
  lr: z.number(),
  point: z.record(z.string(), z.unknown()),
  status: z.enum(['ok', 'diverged', 'failed']),
  error: z.string().optional(),
  /** Null when the run crashed before it could summarise. */
  summary: SummaryRecord.nullable(),
  /** Absent in run directories written by radam-run 0.1.0: those cannot be verified (and predate the current divergence rule), so they are redone. */
  files: z.record(z.string(), FileCheck).optional(),
});
export type StoredSummary = z.infer<typeof StoredSummary>;

/** What runProblem checks first of a summary.json: which run it is of, and the checksums of its files. */
const SummaryHead = z.looseObject({ id: z.string(), files: z.record(z.string(), FileCheck).optional() });

/** runs/<id>/spec.json: what the id hashes. */
const SpecJson = z.looseObject({ id: z.string(), spec: z.unknown() });

const CSV_FILES = ['curves.csv', 'trace.csv'] as const;

function fileCheck(text: string): FileCheck {
  const lines = text.split('\n').length - 1;
  return { rows: Math.max(0, lines - 1), sha256: createHash('sha256').update(text).digest('hex') };
}

/** OUT/runs/<id>. */
export function runDir(outDir: string, id: string): string {
  return join(outDir, 'runs', id);
}

/** Why OUT/runs/<id> is not a complete record of run `id` (undefined: it is; 'missing': there is none). */
export function runProblem(outDir: string, id: string): string | undefined {
  const dir = runDir(outDir, id);
  if (!existsSync(dir)) return 'missing';
  try {
    const spec = SpecJson.safeParse(JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')));
    if (!spec.success || spec.data.id !== id || shortHash(spec.data.spec) !== id) return 'spec.json does not match the run id';
    const raw: unknown = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    const head = SummaryHead.safeParse(raw);
    if (!head.success) return notSummary(head.error);
    if (head.data.id !== id) return 'summary.json names another run';
    for (const f of CSV_FILES) {
      const text = readFileSync(join(dir, f), 'utf8');
      const expected = head.data.files?.[f];
      if (expected === undefined) return `summary.json records no checksum of ${f} (written by radam-run 0.1.0)`;
      const actual = fileCheck(text);
      if (actual.rows !== expected.rows) return `${f} has ${actual.rows} rows, summary.json records ${expected.rows}`;
      if (actual.sha256 !== expected.sha256) return `${f} does not match the checksum in summary.json`;
    }
    const summary = StoredSummary.safeParse(raw);
    return summary.success ? undefined : notSummary(summary.error);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'a file is missing' : 'a file is unreadable or not valid JSON';
  }
}

/** The problem of a summary.json that fails its schema, naming the first field at fault. */
function notSummary(error: z.ZodError): string {
  return `summary.json is not a run summary (${error.issues[0]?.path.join('.') || 'its shape'})`;
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
export function writeRun(outDir: string, run: StoredRun, result: RunResult): void {
  const s = result.summary;
  const curves = curvesCsv([result]);
  const trace = traceCsv([result]);
  const stored: StoredSummary = {
    id: run.id,
    optimizer: run.optimizer,
    seed: run.seed,
    lr: result.spec.optimizer.lr,
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

/** The summary.json of a run found complete (runProblem checked it). */
function readStoredSummary(outDir: string, id: string): StoredSummary {
  return StoredSummary.parse(JSON.parse(readFileSync(join(runDir(outDir, id), 'summary.json'), 'utf8')));
}

/** The stored summaries of the runs among `runs` that are in `complete`, in the order of `runs`. */
export function readStoredSummaries(outDir: string, runs: readonly { id: string }[], complete: ReadonlySet<string>): StoredSummary[] {
  return runs.filter((r) => complete.has(r.id)).map((r) => readStoredSummary(outDir, r.id));
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
