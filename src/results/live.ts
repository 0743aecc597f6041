// Live files of runs in flight: per run a directory with metrics.jsonl (one JSON object per logged
// step or evaluation, appended as records arrive from the workers) and a TensorBoard event file with
// the same numbers. A crash keeps every line written before it; a run's file ends with an "end" line
// only when the run finished, so a file without one is incomplete. The CSVs stay the result.
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalRecord, RunSpec, StepRecord } from '../train/train.js';
import type { Cell } from './cells.js';
import { CURVES_COLUMNS, curvesRow, TRACE_COLUMNS, traceRow } from './run-files.js';
import type { RunEvents, RunResult } from './run-result.js';
import { EventFileWriter, TFEVENTS_SUFFIX, type Scalar } from './tensorboard.js';

export const METRICS_FILE = 'metrics.jsonl';
/** A sweep's live files: OUT/live/<run id>/ (a compare's: live/<run>/ in its result directory). */
export const LIVE_DIR = 'live';
/** The first line of every metrics.jsonl starts with this: how a reader (and --force) knows the file is ours. */
const HEADER_START = '{"tool":"radam-run","file":"metrics.jsonl"';

/** A JSON value for a CSV cell: empty → null, ±Infinity as text (JSON has neither), other numbers as numbers. */
function jsonCell(cell: Cell): string | number | null {
  if (cell === '' || cell === undefined || cell === null) return null;
  if (typeof cell === 'number') return cell;
  return cell === 'Infinity' || cell === '-Infinity' || !/^[-\d.]/.test(cell) ? cell : Number(cell);
}

/** `columns` (after run, optimizer, seed) paired with their cells. */
function fields(columns: readonly string[], cells: Cell[], first: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...first };
  for (let c = 3; c < columns.length; c++) out[columns[c]!] = jsonCell(cells[c]);
  return out;
}

/** A step record's line: its curves.csv train row and its trace.csv row, cell for cell. */
export function stepLine(spec: RunSpec, s: StepRecord): string {
  const curve = fields(CURVES_COLUMNS, curvesRow(spec, s), { type: 'step' });
  const trace = fields(TRACE_COLUMNS, traceRow(spec, s), {});
  return JSON.stringify({ ...curve, ...trace });
}

/** An evaluation's line: its curves.csv val or test row. */
export function evalLine(spec: RunSpec, e: EvalRecord): string {
  return JSON.stringify(fields(CURVES_COLUMNS, curvesRow(spec, e), { type: 'eval' }));
}

/** Step and eval records in curves.csv's order: by step, train before evaluations at equal steps. */
function inOrder(steps: StepRecord[], evals: EvalRecord[]): (StepRecord | EvalRecord)[] {
  const out: (StepRecord | EvalRecord)[] = [];
  let e = 0;
  for (const s of steps) {
    while (e < evals.length && evals[e]!.step < s.step) out.push(evals[e++]!);
    out.push(s);
  }
  while (e < evals.length) out.push(evals[e++]!);
  return out;
}

/** The TensorBoard scalars of one record (tags grouped by section: train/, val/, test/, optim/). */
function scalarsOf(spec: RunSpec, r: StepRecord | EvalRecord): Scalar[] {
  if ('split' in r) return [{ tag: `${r.split}/loss`, value: r.loss }, { tag: `${r.split}/accuracy`, value: r.accuracy ?? NaN }];
  const isRAdam = spec.optimizer.kind === 'radam';
  return [
    { tag: 'train/loss', value: r.loss },
    { tag: 'train/accuracy', value: r.accuracy ?? NaN },
    { tag: 'optim/lr', value: r.lr },
    { tag: 'optim/rho_t', value: isRAdam ? r.rhoT : NaN },
    { tag: 'optim/r_t', value: isRAdam ? r.rect : NaN },
    { tag: 'optim/grad_norm', value: r.gradNorm },
    { tag: 'optim/update_norm', value: r.updateNorm },
  ];
}

/** One run's live files in `dir` (replaced if a previous attempt of the same run left some). */
class LiveRun {
  private fd: number | undefined;
  private readonly events: EventFileWriter;

  constructor(
    readonly dir: string,
    private readonly spec: RunSpec,
    wallClock: () => number,
  ) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(join(dir, METRICS_FILE), 'a');
    const started = new Date(wallClock() * 1000).toISOString();
    this.line(`${HEADER_START},"run":${JSON.stringify(spec.run)},"optimizer":${JSON.stringify(spec.optimizer.name)},"seed":${spec.seed},"started":"${started}"}`);
    this.events = new EventFileWriter(dir, wallClock);
  }

  private line(text: string): void {
    if (this.fd === undefined) return;
    const bytes = Buffer.from(text + '\n', 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done);
  }

  append(steps: StepRecord[], evals: EvalRecord[]): void {
    const records = inOrder(steps, evals);
    this.line(records.map((r) => ('split' in r ? evalLine(this.spec, r) : stepLine(this.spec, r))).join('\n'));
    const events = records.map((r) => scalarsOf(this.spec, r)).flatMap((scalars, i) => (scalars.some((s) => !Number.isNaN(s.value)) ? [this.events.scalars(records[i]!.step, scalars)] : []));
    this.events.append(events);
  }

  /** The last line: how the run ended (a file without it is of a run that did not end). */
  end(result: RunResult): void {
    const status = result.error ? 'failed' : result.summary?.divergedAt != null ? 'diverged' : 'ok';
    this.line(JSON.stringify({ type: 'end', status, ...(result.error ? { error: result.error } : {}) }));
    this.close();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.events.close();
  }
}

export interface LiveOptions {
  /** Seconds since the epoch, for event files and headers (never for the CSVs). */
  wallClock?: () => number;
}

/**
 * The live files of the runs of one executeRuns call, under `root`/<name> (name: the run label in a
 * compare, the run id in a sweep). `events` wraps a display's events so files are written first.
 */
export class LiveLog {
  private readonly runs = new Map<number, LiveRun>();
  /** The first failure to write live files: they stop, the run and its CSVs go on. */
  problem: string | undefined;

  constructor(
    readonly root: string,
    private readonly nameOf: (index: number, spec: RunSpec) => string = (_, spec) => spec.run,
    private readonly options: LiveOptions = {},
  ) {}

  events(inner: RunEvents = {}): RunEvents {
    return {
      started: (index, spec) => {
        this.guard(() => this.runs.set(index, new LiveRun(join(this.root, this.nameOf(index, spec)), spec, this.options.wallClock ?? (() => Date.now() / 1000))));
        inner.started?.(index, spec);
      },
      records: (index, steps, evals) => {
        this.guard(() => this.runs.get(index)?.append(steps, evals));
        inner.records?.(index, steps, evals);
      },
      // called as a method: a display's progress uses its own state
      progress: (index, step, loss) => inner.progress?.(index, step, loss),
      finished: (index, result) => {
        this.guard(() => this.runs.get(index)?.end(result));
        this.runs.delete(index);
        inner.finished?.(index, result);
      },
    };
  }

  /** Close the files of runs that did not finish (interrupted): they keep what was written, without an end line. */
  close(): void {
    for (const run of this.runs.values()) run.close();
    this.runs.clear();
  }

  private guard(write: () => void): void {
    if (this.problem !== undefined) return;
    try {
      write();
    } catch (err) {
      this.problem = (err as Error).message;
      this.close();
    }
  }
}

/** Is `dir` a live directory of ours: run directories holding only metrics.jsonl files of ours and our event files? */
export function liveIsOurs(dir: string): boolean {
  try {
    return readdirSync(dir).every((run) => {
      const path = join(dir, run);
      return statSync(path).isDirectory() && readdirSync(path).every((f) => (f === METRICS_FILE ? startsWithHeader(join(path, f)) : f.startsWith('events.out.tfevents.') && f.endsWith(TFEVENTS_SUFFIX)));
    });
  } catch {
    return false;
  }
}

function startsWithHeader(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(HEADER_START.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.toString('utf8') === HEADER_START;
  } finally {
    closeSync(fd);
  }
}
