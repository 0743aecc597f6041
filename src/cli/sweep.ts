// `radam-run sweep CONFIG` and `radam-run merge DIR... --out DIR`.
import { join } from 'node:path';
import chalk from 'chalk';
import { EXIT_FAILED_CHECK, InterruptedError } from '../base/errors.js';
import { loadExperiment, type LoadedExperiment } from '../config/load.js';
import { resolveConfigArg } from './shipped.js';
import { resolveKernels, type KernelSet } from '../wasm/kernels.js';
import { checkOutputPath } from '../results/paths.js';
import { isRunComplete } from '../results/run-store.js';
import { createSweepProgress, type Progress } from '../report/progress.js';
import { renderSweepTables } from '../report/sweep-table.js';
import { mergeSweeps } from '../run/merge.js';
import { runSweep } from '../run/sweep.js';
import { describeRun, parseShard, planRuns, shardRuns, type Shard } from '../run/sweep-plan.js';
import { withInterrupt } from './interrupt.js';
import { writeReportAndSay } from './plot.js';

export interface SweepFlags {
  out?: string;
  workers?: number;
  shard?: string;
  dryRun?: boolean;
  set: string[];
  json?: boolean;
  report?: boolean;
  force?: boolean;
  quiet?: boolean;
  kernels?: KernelSet;
  threads?: number;
}

const notice = (m: string): void => void process.stderr.write(`radam-run: ${m}\n`);

export async function sweepCommand(file: string, flags: SweepFlags): Promise<void> {
  const loaded = loadExperiment(resolveConfigArg(file, ['configs', 'experiments']), { set: flags.set });
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
  const out = flags.out ?? join('runs', `${loaded.experiment.name}-sweep`);
  const { kernels, notice: kernelNotice } = resolveKernels(flags.kernels ?? 'wasm');
  if (kernelNotice) process.stderr.write(`radam-run: note: ${kernelNotice}\n`);
  if (flags.dryRun) return dryRun(loaded, out, shard, kernels);
  const labels = new Map<string, string>();
  let progress: Progress | undefined;
  let result;
  try {
    result = await withInterrupt((signal) => runSweep(loaded, {
      out,
      workers: flags.workers,
      threads: flags.threads,
      shard,
      signal,
      kernels,
      force: flags.force,
      events: {
        notice,
        planned(todo, skipped) {
          for (const run of todo) labels.set(run.id, describeRun(run));
          progress = createSweepProgress({ tty: Boolean(process.stderr.isTTY), quiet: flags.quiet, total: todo.length + skipped, done: skipped });
        },
        started: (index, spec) => progress?.started?.(index, { ...spec, run: labels.get(spec.run) ?? spec.run }),
        progress: (index, step, loss) => progress?.progress?.(index, step, loss),
        finished(index, r) {
          progress?.finished?.(index, { ...r, spec: { ...r.spec, run: labels.get(r.spec.run) ?? r.spec.run } });
        },
      },
    }));
  } finally {
    progress?.stop();
  }
  const { plan } = result;
  if (flags.json) process.stdout.write(JSON.stringify({ sweep: plan.name, sweep_id: plan.sweepId, ...result.aggregate }, null, 2) + '\n');
  else process.stdout.write(renderSweepTables(result.aggregate, plan.params) + '\n');
  const shardText = shard ? ` (shard ${shard.index}/${shard.count}: ${result.assigned} runs)` : '';
  process.stderr.write(
    `${result.outDir}: ${result.complete}/${plan.runs.length} runs complete${shardText}; ran ${result.ran}, skipped ${result.skipped} already complete\n`,
  );
  if (flags.report && !result.interrupted) await writeReportAndSay(result.outDir);
  if (result.failed > 0) {
    process.stderr.write(`radam-run: ${result.failed} run(s) crashed; they are recorded as failed in runs.csv\n`);
    process.exitCode = EXIT_FAILED_CHECK;
  }
  if (result.signal) {
    throw new InterruptedError(`${result.complete}/${plan.runs.length} runs complete in ${result.outDir} are kept and the aggregates there are marked partial; ${result.remaining} run(s) of this shard remain — run the same command again to resume`, result.signal);
  }
}

/** --dry-run: the runs of this shard with their ids, marked where OUT holds them complete; nothing runs. */
function dryRun(loaded: LoadedExperiment, out: string, shard: Shard | undefined, kernels: KernelSet): void {
  const outDir = checkOutputPath('--out', out, 'directory');
  const plan = planRuns(loaded, { kernels });
  const mine = shardRuns(plan, shard);
  const lines = mine.map((r) => `${describeRun(r)}${isRunComplete(outDir, r.id) ? chalk.dim('  (complete)') : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(
    `${plan.name}: ${plan.points} point(s), ${plan.runs.length} run(s)${shard ? `, shard ${shard.index}/${shard.count}: ${mine.length} run(s)` : ''}; sweep id ${plan.sweepId}; output ${out}\n`,
  );
}

export async function mergeCommand(dirs: string[], flags: { out: string; json?: boolean }): Promise<void> {
  const result = mergeSweeps(dirs, flags.out, notice);
  if (flags.json) process.stdout.write(JSON.stringify({ sweep: result.plan.name, sweep_id: result.plan.sweep_id, ...result.aggregate }, null, 2) + '\n');
  else process.stdout.write(renderSweepTables(result.aggregate, []) + '\n');
  process.stderr.write(`${result.outDir}: merged ${dirs.length} output(s); ${result.complete}/${result.plan.runs} runs complete\n`);
  if (result.failed > 0) {
    process.stderr.write(`radam-run: ${result.failed} run(s) crashed and are recorded as failed in runs.csv (rerunning the sweep into its directory retries them)\n`);
    process.exitCode = EXIT_FAILED_CHECK;
  }
  if (result.complete < result.plan.runs) {
    process.stderr.write(`radam-run: the merge is partial: ${result.plan.runs - result.complete} run(s) are in none of the given outputs (runs.csv lists them as missing; sweep_summary.json says "partial": true)\n`);
    process.exitCode = EXIT_FAILED_CHECK;
  }
}
