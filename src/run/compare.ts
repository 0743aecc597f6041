// `compare`: plan the runs of an experiment, train them concurrently on worker threads, and write
// the output contract (curves.csv, trace.csv, summary.csv, summary.json, manifest.json) atomically.
import type { LoadedExperiment } from '../config/load.js';
import { ConfigError, InterruptedError } from '../config/errors.js';
import type { RunSpec } from '../train/train.js';
import { sizeChecker } from '../models/size.js';
import { buildDataset } from '../data/datasets.js';
import { executeRuns, type RunEvents, type RunResult } from './execute.js';
import { planCompare } from './plan.js';
import type { KernelSet } from '../wasm/kernels.js';
import { curvesCsv, summaryCsv, summaryRecord, traceCsv } from '../report/csv.js';
import { manifestHeader, OutputDir, type OutputKind } from '../results/output-dir.js';
import { SaveError } from '../results/fs-errors.js';

export interface CompareOptions {
  /** The result directory: a path to claim, or one the caller has claimed already. */
  out: string | OutputDir;
  force?: boolean;
  /** The command whose result this is (manifest.json `output`; default compare). */
  output?: OutputKind;
  /** Write more files into the result before it is committed (reproduce's claims). */
  finalize?(result: CompareResult, out: OutputDir): void;
  workers?: number;
  events?: RunEvents;
  signal?: AbortSignal;
  /** The command line, for the manifest. */
  argv?: string[];
  /** Kernel set of the runs (default: see planCompare). */
  kernels?: KernelSet;
}

export interface CompareResult {
  results: RunResult[];
  outDir: string;
  summary: SummaryJson;
}

export interface SummaryJson {
  experiment: string;
  runs: ReturnType<typeof summaryRecord>[];
  failed: { run: string; error: string }[];
}


/**
 * Check runs before any output is written. First by arithmetic, for every spec and with nothing
 * allocated: a model too large for its arena, a transformer context shorter than the data's windows,
 * an unusable text file (each read once). Then a Markov chain of the first run is built, the one
 * dataset that can still fail (too slow to mix), so that is a ConfigError here, not a failed run.
 */
export function preflight(specs: RunSpec | readonly RunSpec[]): void {
  const list: readonly RunSpec[] = Array.isArray(specs) ? specs : [specs as RunSpec];
  const problems = sizeChecker()(list);
  if (problems.length > 0) throw new ConfigError(problems);
  const first = list[0];
  if (first?.data?.kind === 'markov-text') buildDataset(first.data, first.seed);
}

export async function runCompare(loaded: LoadedExperiment, options: CompareOptions): Promise<CompareResult> {
  const exp = loaded.experiment;
  const specs = planCompare(exp, { kernels: options.kernels });
  preflight(specs);
  const out = typeof options.out === 'string' ? OutputDir.claim(options.out, options.output ?? 'compare', { force: options.force }) : options.out;
  const startedAt = new Date();
  try {
    const results = await executeRuns(specs, { workers: options.workers, events: options.events, signal: options.signal });
    const signal = InterruptedError.signalOf(options.signal);
    if (signal) throw new InterruptedError('no results written (a compare keeps nothing of unfinished runs)', signal);
    const summaries = results.flatMap((r) => (r.summary ? [r.summary] : []));
    const summary: SummaryJson = {
      experiment: exp.name,
      runs: summaries.map(summaryRecord),
      failed: results.flatMap((r) => (r.error ? [{ run: r.spec.run, error: r.error }] : [])),
    };
    const result = { results, outDir: out.target, summary };
    saving(out, results.length, () => {
      out.write('curves.csv', curvesCsv(results));
      out.write('trace.csv', traceCsv(results));
      out.write('summary.csv', summaryCsv(summaries));
      out.write('summary.json', JSON.stringify(summary, null, 2) + '\n');
      options.finalize?.(result, out);
      const manifest = {
        ...manifestHeader(options.output ?? 'compare'),
        command: options.argv ?? process.argv.slice(1),
        config_file: loaded.file,
        started: startedAt.toISOString(),
        finished: new Date().toISOString(),
        runs: specs.map((s) => s.run),
        kernels: specs[0]?.kernels,
        files: [...out.written],
        config: exp,
      };
      out.write('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
      out.commit();
    });
    return result;
  } catch (err) {
    out.discard();
    throw err;
  }
}

/** Write finished results; a file-system failure here loses finished work, which is a SaveError (exit 1), not bad input. */
function saving(out: OutputDir, runs: number, write: () => void): void {
  try {
    write();
  } catch (err) {
    const left = out.leftIncomplete ? `${out.target} is left without manifest.json, i.e. incomplete` : 'nothing was written';
    throw SaveError.from(err, `the results of ${runs} finished run${runs === 1 ? '' : 's'}`, left) ?? err;
  }
}
