// `compare`: plan the runs of an experiment, train them concurrently on worker threads, and write
// the output contract (curves.csv, trace.csv, summary.csv, summary.json, manifest.json) atomically.
import type { LoadedExperiment } from '../config/load.js';
import { InterruptedError } from '../base/errors.js';
import type { RunSpec } from '../train/train.js';
import type { KernelSet } from '../wasm/kernels.js';
import { SaveError } from '../results/fs-errors.js';
import { manifestHeader, OutputDir, type OutputKind } from '../results/output-dir.js';
import { provenance } from '../results/provenance.js';
import { curvesCsv, summaryCsv, summaryJson, traceCsv, type SummaryJson } from '../results/run-files.js';
import type { RunEvents, RunResult } from '../results/run-result.js';
import { executeRuns, poolShape } from './execute.js';
import { planCompare } from './plan.js';
import { preflight } from './preflight.js';

export interface CompareOptions {
  /** The result directory to claim. */
  out: string;
  force?: boolean;
  /** The command whose result this is (manifest.json `output`; default compare). */
  output?: OutputKind;
  /** Write more files into the result before it is committed (reproduce's claims). */
  finalize?(result: CompareResult, out: OutputDir): void;
  workers?: number;
  /** Threads per run (default: see poolShape). */
  threads?: number;
  events?: RunEvents;
  signal?: AbortSignal;
  /** The command line, for the manifest. */
  argv?: string[];
  /** The runs, when the caller has planned them already (planCompare of this experiment); planned here otherwise. */
  specs?: RunSpec[];
  /** Kernel set of the runs when they are planned here (default: see planCompare). */
  kernels?: KernelSet;
}

export interface CompareResult {
  results: RunResult[];
  outDir: string;
  summary: SummaryJson;
}

export async function runCompare(loaded: LoadedExperiment, options: CompareOptions): Promise<CompareResult> {
  const exp = loaded.experiment;
  const specs = options.specs ?? planCompare(exp, { kernels: options.kernels });
  preflight(specs);
  const kind = options.output ?? 'compare';
  const out = OutputDir.claim(options.out, kind, { force: options.force });
  const startedAt = new Date();
  try {
    const results = await executeRuns(specs, { workers: options.workers, threads: options.threads, events: options.events, signal: options.signal });
    const signal = InterruptedError.signalOf(options.signal);
    if (signal) throw new InterruptedError('no results written (a compare keeps nothing of unfinished runs)', signal);
    const result = { results, outDir: out.target, summary: summaryJson(exp.name, results) };
    saving(out, results.length, () => {
      out.write('curves.csv', curvesCsv(results));
      out.write('trace.csv', traceCsv(results));
      out.write('summary.csv', summaryCsv(results.flatMap((r) => (r.summary ? [r.summary] : []))));
      out.write('summary.json', JSON.stringify(result.summary, null, 2) + '\n');
      options.finalize?.(result, out);
      const manifest = {
        ...manifestHeader(kind),
        command: options.argv ?? process.argv.slice(1),
        config_file: loaded.file,
        provenance: provenance(loaded.file),
        started: startedAt.toISOString(),
        finished: new Date().toISOString(),
        runs: specs.map((s) => s.run),
        kernels: specs[0]?.kernels,
        // the JS kernels run on one thread whatever they are given
        threads: specs[0]?.kernels === 'wasm' ? poolShape(specs.length, options).threads : 1,
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
