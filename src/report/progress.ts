// Progress displays for concurrent runs: on a TTY a board drawn in place (k/N runs, elapsed, ETA, one
// line per running run while they fit), plain periodic lines otherwise (CI logs). Both write to stderr;
// stdout is kept for data.
import type { RunEvents, RunResult } from '../results/run-result.js';
import type { RunSpec } from '../train/train.js';
import { divergedText } from './table.js';
import { formatLoss } from '../results/cells.js';

export interface Progress extends RunEvents {
  stop(): void;
}

export interface ProgressOptions {
  tty: boolean;
  quiet?: boolean;
  /** Injected in tests: the board's clock (ms), stream and terminal size. */
  board?: Partial<BoardOptions>;
}

export function createProgress(specs: RunSpec[], opts: ProgressOptions): Progress {
  if (opts.quiet) return { stop() {} };
  return opts.tty ? new BoardProgress({ total: specs.length, done: 0, ...terminal(), ...opts.board }) : new LineProgress(specs);
}

const nameWidth = (specs: RunSpec[]): number => Math.max(...specs.map((s) => s.run.length));

/** stderr's clock, writer and size (a terminal that does not say: 24 × 80). */
function terminal(): Omit<BoardOptions, 'total' | 'done'> {
  return { now: () => performance.now(), write: (text) => void process.stderr.write(text), rows: process.stderr.rows || 24, columns: process.stderr.columns || 80 };
}

export interface BoardOptions {
  /** Runs in all, and runs already complete before this command (a resumed sweep's). */
  total: number;
  done: number;
  now: () => number;
  write: (text: string) => void;
  rows: number;
  columns: number;
}

/** A run on the board: how far it is, its last loss, when it started (ms on the board's clock). */
interface BoardRun {
  label: string;
  steps: number;
  step: number;
  loss: number;
  startedAt: number;
}

/** `1h02m`, `3m05s`, `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const bar = (fraction: number, width: number): string => {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
};

/**
 * The terminal progress of many runs, drawn by hand: an overall line (k/N runs, elapsed, ETA, how many
 * run and wait), then one line per running run while they fit the terminal (the rest summarised in one
 * line), redrawn in place at most every 100 ms. A finished run's line is printed above the board and
 * stays. The ETA extrapolates the work done by this command (finished runs plus the done fraction of
 * running ones) over its elapsed time, so runs complete before it (a resumed sweep) do not skew it.
 */
export class BoardProgress implements Progress {
  private readonly active = new Map<number, BoardRun>();
  private done: number;
  private readonly startedAt: number;
  private drawn = 0;
  private lastDraw = -Infinity;

  constructor(private readonly opts: BoardOptions) {
    this.done = opts.done;
    this.startedAt = opts.now();
  }

  started(index: number, spec: RunSpec): void {
    this.active.set(index, { label: spec.run, steps: spec.steps, step: 0, loss: NaN, startedAt: this.opts.now() });
    this.draw(true);
  }

  progress(index: number, step: number, loss: number): void {
    const run = this.active.get(index);
    if (!run) return;
    run.step = step;
    run.loss = loss;
    this.draw(false);
  }

  finished(index: number, result: RunResult): void {
    this.active.delete(index);
    if (result.error === 'interrupted') return;
    this.done++;
    const s = result.summary;
    const status = result.error ? `failed: ${result.error}` : s?.divergedAt != null ? divergedText(s) : `final loss ${formatLoss(s?.finalLoss)}, ${Math.round(s?.stepsPerSecond ?? 0)} steps/s`;
    const width = String(this.opts.total).length;
    this.draw(true, `[${String(this.done).padStart(width)}/${this.opts.total}] ${result.spec.run}: ${status}`);
  }

  stop(): void {
    this.draw(true);
  }

  /** The board's lines as drawn now. */
  lines(): string[] {
    const { total, rows, columns } = this.opts;
    const now = this.opts.now();
    const runs = [...this.active.values()];
    const running = runs.reduce((sum, r) => sum + Math.min(1, r.step / r.steps), 0);
    const elapsed = (now - this.startedAt) / 1000;
    const workDone = this.done - this.opts.done + running;
    const eta = workDone > 0 ? (elapsed * (total - this.done - running)) / workDone : NaN;
    const queued = total - this.done - runs.length;
    const head = `${this.done}/${total} runs ${bar((this.done + running) / Math.max(1, total), 12)}  elapsed ${formatDuration(elapsed)}  eta ${formatDuration(eta)}  (${runs.length} running, ${queued} queued)`;
    // the overall line, the run lines and, when they do not all fit, one line saying how many more
    const room = Math.max(0, rows - 2);
    const shown = runs.length > room ? runs.slice(0, Math.max(0, room - 1)) : runs;
    const labelWidth = Math.max(0, ...shown.map((r) => r.label.length));
    const lines = [head, ...shown.map((r) => this.runLine(r, labelWidth, now))];
    if (shown.length < runs.length) lines.push(`  … ${runs.length - shown.length} more running`);
    return lines.map((l) => (l.length >= columns ? l.slice(0, Math.max(0, columns - 2)) + '…' : l));
  }

  private runLine(r: BoardRun, labelWidth: number, now: number): string {
    const seconds = (now - r.startedAt) / 1000;
    const rate = seconds > 0 ? `${Math.round(r.step / seconds)} steps/s` : '';
    return `  ${r.label.padEnd(labelWidth)} ${bar(r.step / r.steps, 12)} ${r.step}/${r.steps}  loss ${formatLoss(r.loss)}  ${rate}`;
  }

  /** Erase the board, print `above` (a line that stays), draw the board again; throttled unless `force`. */
  private draw(force: boolean, above?: string): void {
    const now = this.opts.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    // cursor up over the previous board, clear to the end of the screen
    const erase = this.drawn > 0 ? `\x1b[${this.drawn}A\r\x1b[J` : '';
    const lines = this.lines();
    this.drawn = lines.length;
    this.opts.write(erase + (above !== undefined ? above + '\n' : '') + lines.join('\n') + '\n');
  }
}

class LineProgress implements Progress {
  private readonly width: number;
  private readonly nextReport = new Map<number, number>();
  private readonly startedAt = new Map<number, number>();

  constructor(private readonly specs: RunSpec[]) {
    this.width = nameWidth(specs);
  }

  private line(index: number, text: string): void {
    process.stderr.write(`[${this.specs[index]!.run.padEnd(this.width)}] ${text}\n`);
  }

  started(index: number, spec: RunSpec): void {
    this.startedAt.set(index, performance.now());
    this.nextReport.set(index, performance.now() + 5000);
    this.line(index, `started (${spec.steps} steps)`);
  }

  progress(index: number, step: number, loss: number): void {
    const now = performance.now();
    if (now < (this.nextReport.get(index) ?? 0)) return;
    this.nextReport.set(index, now + 5000);
    const elapsed = (now - (this.startedAt.get(index) ?? now)) / 1000;
    const rate = elapsed > 0 ? Math.round(step / elapsed) : 0;
    this.line(index, `step ${step}/${this.specs[index]!.steps}  loss ${formatLoss(loss)}  ${rate} steps/s`);
  }

  finished(index: number, result: RunResult): void {
    const s = result.summary;
    if (result.error) this.line(index, `failed: ${result.error}`);
    else if (s?.divergedAt != null) this.line(index, divergedText(s));
    else if (s) this.line(index, `done: final loss ${formatLoss(s.finalLoss)}, ${Math.round(s.stepsPerSecond)} steps/s`);
  }

  stop(): void {}
}

/** What a sweep's progress shows of a run it has started: its label, how far it is, its last loss. */
interface ActiveRun {
  label: string;
  steps: number;
  step: number;
  loss: number;
}

export interface SweepProgressOptions {
  tty: boolean;
  quiet?: boolean;
  total: number;
  done: number;
  /** Off a TTY, the running runs' steps are printed at most this often (ms; default 30 s). */
  every?: number;
  /** Injected in tests: the clock and stderr. */
  now?: () => number;
  write?: (text: string) => void;
}

/**
 * Progress of a sweep (or of reproduce on one), counting runs already complete (`done`). On a TTY the
 * board (BoardProgress). Off a TTY one line per finished run (labelled by its spec's `run`), and a line
 * per running run every `every` ms (a 30-minute run is not 30 minutes of silence in a CI log).
 */
export function createSweepProgress(opts: SweepProgressOptions): Progress {
  if (opts.quiet) return { stop() {} };
  const io = { ...terminal(), ...(opts.now ? { now: opts.now } : {}), ...(opts.write ? { write: opts.write } : {}) };
  if (opts.tty) return new BoardProgress({ ...io, total: opts.total, done: opts.done });
  const every = opts.every ?? 30_000;
  const active = new Map<number, ActiveRun>();
  let done = opts.done;
  let nextLines = io.now() + every;
  const width = String(opts.total).length;
  const counter = (): string => `[${String(done).padStart(width)}/${opts.total}]`;
  return {
    started(index: number, spec: RunSpec) {
      active.set(index, { label: spec.run, steps: spec.steps, step: 0, loss: NaN });
    },
    progress(index: number, step: number, loss: number) {
      const run = active.get(index);
      if (!run) return;
      run.step = step;
      run.loss = loss;
      if (io.now() < nextLines) return;
      nextLines = io.now() + every;
      for (const a of active.values()) io.write(`${counter()} ${a.label}: step ${a.step}/${a.steps}  loss ${formatLoss(a.loss)}\n`);
    },
    finished(index: number, result: RunResult) {
      active.delete(index);
      if (result.error === 'interrupted') return;
      done++;
      const s = result.summary;
      const status = result.error ? `failed: ${result.error}` : s?.divergedAt != null ? divergedText(s) : `final loss ${formatLoss(s?.finalLoss)}`;
      io.write(`${counter()} ${result.spec.run}: ${status}\n`);
    },
    stop() {},
  };
}
