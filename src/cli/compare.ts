// `radam-run compare CONFIG`: load → run concurrently with progress → summary table / JSON.
import { loadExperiment } from '../config/load.js';
import { resolveConfigArg } from './shipped.js';
import { runCompare } from '../run/compare.js';
import { OutputDir } from '../results/output-dir.js';
import { createProgress } from '../report/progress.js';
import { renderSummaryTable } from '../report/table.js';
import { planCompare } from '../run/plan.js';
import { EXIT_FAILED_CHECK } from '../base/errors.js';
import { withInterrupt } from './interrupt.js';
import { renderTerminalChart } from '../report/terminal-chart.js';
import { shown, writeReportAndSay } from './plot.js';
import { resolveKernels, type KernelSet } from '../wasm/kernels.js';

export interface CompareFlags {
  out?: string;
  steps?: number;
  seeds?: number[];
  set: string[];
  workers?: number;
  json?: boolean;
  chart?: boolean;
  report?: boolean;
  failOnDiverge?: boolean;
  force?: boolean;
  quiet?: boolean;
  kernels?: KernelSet;
  threads?: number;
}

/** The command that draws a result's charts, as the user can paste it (the default --out has a timestamp in it). */
function nextStep(outDir: string): string {
  const path = shown(outDir);
  return `; charts: radam-run plot ${/^[\w./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`}`;
}

export async function compareCommand(file: string, flags: CompareFlags): Promise<void> {
  const loaded = loadExperiment(resolveConfigArg(file, ['configs', 'experiments']), { set: flags.set, steps: flags.steps, seeds: flags.seeds });
  const exp = loaded.experiment;
  if (exp.sweep) process.stderr.write('radam-run: note: this config has a sweep section; compare runs the base config only (use `radam-run sweep` for the sweep)\n');
  const out = flags.out ?? OutputDir.defaultPath(exp.name);
  const { kernels, notice } = resolveKernels(flags.kernels ?? 'wasm');
  if (notice) process.stderr.write(`radam-run: note: ${notice}\n`);
  const specs = planCompare(exp, { kernels });
  const progress = createProgress(specs, { tty: Boolean(process.stderr.isTTY), quiet: flags.quiet });
  let result;
  try {
    result = await withInterrupt((signal) =>
      runCompare(loaded, { out, force: flags.force, workers: flags.workers, threads: flags.threads, events: progress, signal, argv: process.argv.slice(1), specs }),
    );
  } finally {
    progress.stop();
  }
  if (flags.json) process.stdout.write(JSON.stringify(result.summary, null, 2) + '\n');
  else process.stdout.write(renderSummaryTable(result.results) + '\n');
  if (!flags.json && (flags.chart || process.stdout.isTTY)) {
    const width = Math.min(process.stdout.columns ?? 80, 100);
    process.stdout.write('\n' + renderTerminalChart(result.results, { width, height: 12 }) + '\n');
  }
  const live = result.liveProblem === undefined ? ', live/ with metrics.jsonl and TensorBoard events' : '';
  process.stderr.write(`wrote ${shown(result.outDir)}/ (curves.csv, trace.csv, summary.csv, summary.json, manifest.json${live})${flags.report ? '' : nextStep(result.outDir)}\n`);
  if (result.liveProblem !== undefined) process.stderr.write(`radam-run: warning: live metrics incomplete or missing: ${result.liveProblem}\n`);
  if (flags.report) await writeReportAndSay(result.outDir);
  const failed = result.results.filter((r) => r.error);
  const diverged = result.results.filter((r) => r.summary?.divergedAt != null);
  if (failed.length > 0) process.exitCode = EXIT_FAILED_CHECK;
  if (flags.failOnDiverge && diverged.length > 0) {
    const where = diverged.map((r) => `${r.spec.run} at step ${r.summary!.divergedAt}: ${r.summary!.divergedReason}`);
    process.stderr.write(`radam-run: ${diverged.length} run(s) diverged: ${where.join(', ')}\n`);
    process.exitCode = EXIT_FAILED_CHECK;
  }
}
