// Progress displays for concurrent runs: a cli-progress multibar on a TTY (step, loss, steps/s per
// run), plain periodic lines otherwise (CI logs). Both write to stderr; stdout is kept for data.
import cliProgress from 'cli-progress';
import type { RunEvents, RunResult } from '../results/run-result.js';
import type { RunSpec } from '../train/train.js';
import { colorFor, divergedText } from './table.js';
import { formatLoss } from '../results/cells.js';

export interface Progress extends RunEvents {
  stop(): void;
}

export function createProgress(specs: RunSpec[], opts: { tty: boolean; quiet?: boolean }): Progress {
  if (opts.quiet) return { stop() {} };
  return opts.tty ? new BarProgress(specs) : new LineProgress(specs);
}

const nameWidth = (specs: RunSpec[]): number => Math.max(...specs.map((s) => s.run.length));

class BarProgress implements Progress {
  private readonly multibar: cliProgress.MultiBar;
  private readonly bars = new Map<number, cliProgress.SingleBar>();
  private readonly startedAt = new Map<number, number>();
  private readonly width: number;

  private readonly optimizerIndex = new Map<string, number>();

  constructor(specs: RunSpec[]) {
    this.width = nameWidth(specs);
    for (const s of specs) if (!this.optimizerIndex.has(s.optimizer.name)) this.optimizerIndex.set(s.optimizer.name, this.optimizerIndex.size);
    this.multibar = new cliProgress.MultiBar(
      {
        format: '{name} {bar} {value}/{total}  loss {loss}  {rate} steps/s  {status}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        autopadding: true,
        fps: 10,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_grey,
    );
  }

  started(index: number, spec: RunSpec): void {
    this.startedAt.set(index, performance.now());
    const name = colorFor(this.optimizerIndex.get(spec.optimizer.name) ?? 0)(spec.run.padEnd(this.width));
    this.bars.set(index, this.multibar.create(spec.steps, 0, { name, loss: '—', rate: '—', status: '' }));
  }

  progress(index: number, step: number, loss: number): void {
    const elapsed = (performance.now() - (this.startedAt.get(index) ?? 0)) / 1000;
    this.bars.get(index)?.update(step, { loss: formatLoss(loss), rate: elapsed > 0 ? Math.round(step / elapsed).toString() : '—' });
  }

  finished(index: number, result: RunResult): void {
    const bar = this.bars.get(index);
    if (!bar) return;
    const s = result.summary;
    const status = result.error ? `failed: ${result.error}` : s?.divergedAt != null ? divergedText(s) : 'done';
    bar.update(s ? s.stepsDone : bar.getProgress() * result.spec.steps, { status });
  }

  stop(): void {
    this.multibar.stop();
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
 * Progress of a sweep (or of reproduce on one): one line per finished run (labelled by its spec's
 * `run`) on both TTY and CI. On a TTY also one bar, of runs done plus the done fraction of each running
 * run, so that the bar and its ETA move during long runs; off a TTY, a line per running run every
 * `every` ms (a 30-minute run is not 30 minutes of silence in a CI log).
 */
export function createSweepProgress(opts: SweepProgressOptions): Progress {
  if (opts.quiet) return { stop() {} };
  const write = opts.write ?? ((text: string) => void process.stderr.write(text));
  const now = opts.now ?? (() => performance.now());
  const every = opts.every ?? 30_000;
  const active = new Map<number, ActiveRun>();
  let done = opts.done;
  let nextLines = now() + every;
  // the bar counts thousandths of runs, so that a running run's fraction moves it
  const units = (): number => Math.round(1000 * (done + [...active.values()].reduce((sum, a) => sum + a.step / a.steps, 0)));
  const payload = () => ({ runs: done, runsTotal: opts.total, running: runningText(active) });
  const bar = opts.tty
    ? new cliProgress.SingleBar(
        { format: 'runs {bar} {runs}/{runsTotal}  {running}  eta {eta_formatted}', barsize: 30, hideCursor: true, stream: process.stderr, clearOnComplete: true },
        cliProgress.Presets.shades_grey,
      )
    : undefined;
  bar?.start(1000 * opts.total, 1000 * done, payload());
  const width = String(opts.total).length;
  const counter = (): string => `[${String(done).padStart(width)}/${opts.total}]`;
  return {
    started(index: number, spec: RunSpec) {
      active.set(index, { label: spec.run, steps: spec.steps, step: 0, loss: NaN });
      bar?.update(units(), payload());
    },
    progress(index: number, step: number, loss: number) {
      const run = active.get(index);
      if (!run) return;
      run.step = step;
      run.loss = loss;
      if (bar) return bar.update(units(), payload());
      if (now() < nextLines) return;
      nextLines = now() + every;
      for (const a of active.values()) write(`${counter()} ${a.label}: step ${a.step}/${a.steps}  loss ${formatLoss(a.loss)}\n`);
    },
    finished(index: number, result: RunResult) {
      active.delete(index);
      if (result.error === 'interrupted') return;
      done++;
      const s = result.summary;
      const status = result.error ? `failed: ${result.error}` : s?.divergedAt != null ? divergedText(s) : `final loss ${formatLoss(s?.finalLoss)}`;
      const line = `${counter()} ${result.spec.run}: ${status}`;
      if (bar) {
        bar.stop();
        write(line + '\n');
        bar.start(1000 * opts.total, units(), payload());
      } else write(line + '\n');
    },
    stop() {
      bar?.stop();
    },
  };
}

/** The bar's note on running runs, short enough for one terminal line: each one's step while they fit, else how many. */
function runningText(active: Map<number, ActiveRun>): string {
  if (active.size === 0) return '';
  if (active.size > 2) return `${active.size} running`;
  return `running: ${[...active.values()].map((a) => `step ${a.step}/${a.steps}`).join(', ')}`;
}
