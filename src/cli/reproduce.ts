// `radam-run reproduce FILE`: run an experiment with claims, print each claim with its observed
// value and PASS/FAIL, write claims.csv (and JUnit XML), exit 0 only if every claim holds.
import chalk from 'chalk';
import { loadExperiment } from '../config/load.js';
import { resolveConfigArg } from './shipped.js';
import { ConfigError, EXIT_FAILED_CHECK } from '../base/errors.js';
import { runReproduce } from '../run/reproduce.js';
import { OutputDir } from '../results/output-dir.js';
import { planCompare } from '../run/plan.js';
import { createProgress, createSweepProgress, type Progress } from '../report/progress.js';
import { renderSummaryTable } from '../report/table.js';
import { formatLoss } from '../results/cells.js';
import { renderSweepTables } from '../report/sweep-table.js';
import { join } from 'node:path';
import { describeRun } from '../run/sweep-plan.js';
import { withInterrupt } from './interrupt.js';
import { writeReportAndSay } from './plot.js';
import { resolveKernels, type KernelSet } from '../wasm/kernels.js';

export interface ReproduceFlags {
  out?: string;
  junit?: string;
  workers?: number;
  set: string[];
  force?: boolean;
  report?: boolean;
  quiet?: boolean;
  kernels?: KernelSet;
  threads?: number;
}

export async function reproduceCommand(file: string, flags: ReproduceFlags): Promise<void> {
  const loaded = loadExperiment(resolveConfigArg(file, ['experiments', 'configs']), { set: flags.set });
  const exp = loaded.experiment;
  if (!exp.claims || exp.claims.length === 0) throw new ConfigError(`${file}: expected a claims section for reproduce, got none (use compare or sweep to just run it)`);
  const out = flags.out ?? (exp.sweep ? join('runs', `${exp.name}-sweep`) : OutputDir.defaultPath(exp.name));
  const tty = Boolean(process.stderr.isTTY);
  const { kernels, notice } = resolveKernels(flags.kernels ?? 'wasm');
  if (notice) process.stderr.write(`radam-run: note: ${notice}\n`);
  const specs = exp.sweep ? undefined : planCompare(exp, { kernels });
  let progress: Progress | undefined = specs && createProgress(specs, { tty, quiet: flags.quiet });
  const labels = new Map<string, string>();
  let result;
  try {
    result = await withInterrupt((signal) => runReproduce(loaded, {
      out,
      junit: flags.junit,
      workers: flags.workers,
      threads: flags.threads,
      force: flags.force,
      signal,
      specs,
      kernels,
      events: {
        notice: (m) => process.stderr.write(`radam-run: ${m}\n`),
        planned(todo, skipped) {
          for (const run of todo) labels.set(run.id, describeRun(run));
          progress = createSweepProgress({ tty, quiet: flags.quiet, total: todo.length + skipped, done: skipped });
        },
        started: (i, s) => progress?.started?.(i, { ...s, run: labels.get(s.run) ?? s.run }),
        progress: (i, step, loss) => progress?.progress?.(i, step, loss),
        finished: (i, r) => progress?.finished?.(i, labels.has(r.spec.run) ? { ...r, spec: { ...r.spec, run: labels.get(r.spec.run)! } } : r),
      },
    }));
  } finally {
    progress?.stop();
  }
  if (result.compare) process.stdout.write(renderSummaryTable(result.compare.results) + '\n\n');
  if (result.sweep) process.stdout.write(renderSweepTables(result.sweep.aggregate, result.sweep.plan.params) + '\n\n');
  process.stdout.write(chalk.bold(`claims of ${exp.name}`) + '\n');
  for (const c of result.claims) {
    const mark = c.status === 'PASS' ? chalk.green('PASS') : chalk.red('FAIL');
    const observed = c.baselineValue !== undefined ? `${formatLoss(c.observed)} vs ${c.baseline} ${formatLoss(c.baselineValue)}` : formatLoss(c.observed);
    process.stdout.write(`  ${mark}  ${c.claim}: observed ${observed}, expected ${c.expected}  ${chalk.dim(`[${c.detail}]`)}\n`);
  }
  const failed = result.claims.filter((c) => c.status === 'FAIL').length;
  process.stdout.write(`${result.claims.length - failed}/${result.claims.length} claims hold (${result.seconds.toFixed(1)} s)\n`);
  process.stderr.write(`wrote ${join(result.outDir, 'claims.csv')}${flags.junit ? ` and ${flags.junit}` : ''}\n`);
  if (flags.report) await writeReportAndSay(result.outDir);
  const crashed = (result.compare?.results.filter((r) => r.error).length ?? 0) + (result.sweep?.failed ?? 0);
  if (crashed > 0) process.stderr.write(`radam-run: ${crashed} run(s) crashed and are missing from the claims' data\n`);
  if (failed > 0 || crashed > 0) process.exitCode = EXIT_FAILED_CHECK;
}
