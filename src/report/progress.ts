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

/**
 * Progress of a sweep: many short runs, so one line per finished run (labelled by its spec's `run`)
 * on both TTY and CI, plus, on a TTY, a single bar of runs done.
 */
export function createSweepProgress(opts: { tty: boolean; quiet?: boolean; total: number; done: number }): Progress {
  if (opts.quiet) return { stop() {} };
  let done = opts.done;
  const bar = opts.tty
    ? new cliProgress.SingleBar(
        { format: 'runs {bar} {value}/{total}  eta {eta_formatted}', barsize: 30, hideCursor: true, stream: process.stderr, clearOnComplete: true },
        cliProgress.Presets.shades_grey,
      )
    : undefined;
  bar?.start(opts.total, done);
  const width = String(opts.total).length;
  return {
    finished(_index: number, result: RunResult) {
      if (result.error === 'interrupted') return;
      done++;
      const s = result.summary;
      const status = result.error ? `failed: ${result.error}` : s?.divergedAt != null ? divergedText(s) : `final loss ${formatLoss(s?.finalLoss)}`;
      const line = `[${String(done).padStart(width)}/${opts.total}] ${result.spec.run}: ${status}`;
      if (bar) {
        bar.stop();
        process.stderr.write(line + '\n');
        bar.start(opts.total, done);
      } else process.stderr.write(line + '\n');
    },
    stop() {
      bar?.stop();
    },
  };
}
