// `compare`: plan the runs of an experiment, train them concurrently on worker threads, and write
// the output contract (curves.csv, trace.csv, summary.csv, summary.json, manifest.json) atomically.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedExperiment } from '../config/load.js';
import { InterruptedError } from '../base/errors.js';
import type { RunSpec } from '../train/train.js';
import type { KernelSet } from '../wasm/kernels.js';
import { SaveError } from '../results/fs-errors.js';
import { LiveLog } from '../results/live.js';
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
  /** Why live/ is incomplete or missing (a failed live write, or dropped to make room for the results); undefined when whole. */
  liveProblem?: string;
}

export async function runCompare(loaded: LoadedExperiment, options: CompareOptions): Promise<CompareResult> {
  const exp = loaded.experiment;
  const specs = options.specs ?? planCompare(exp, { kernels: options.kernels });
  preflight(specs);
  const kind = options.output ?? 'compare';
  const out = OutputDir.claim(options.out, kind, { force: options.force });
  const startedAt = new Date();
  const live = new LiveLog(out.liveDir);
  try {
    const results = await executeRuns(specs, { workers: options.workers, threads: options.threads, events: live.events(options.events), signal: options.signal });
    live.close();
    const signal = InterruptedError.signalOf(options.signal);
    if (signal) throw new InterruptedError(`no results written (a compare keeps only the live metrics of its unfinished runs, in ${live.root})`, signal);
    const result: CompareResult = { results, outDir: out.target, summary: summaryJson(exp.name, results), liveProblem: live.problem };
    const contents: [string, string][] = [
      ['curves.csv', curvesCsv(results)],
      ['trace.csv', traceCsv(results)],
      ['summary.csv', summaryCsv(results.flatMap((r) => (r.summary ? [r.summary] : [])))],
      ['summary.json', JSON.stringify(result.summary, null, 2) + '\n'],
    ];
    // what the result needs on disk: its files, and a margin for the manifest and finalize's files
    const needed = contents.reduce((n, [, text]) => n + Buffer.byteLength(text), 0) + 256 * 1024;
    const dropped = saving(out, { dir: live.root, needed }, results.length, () => {
      for (const [name, text] of contents) out.write(name, text);
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
        files: out.files,
        config: exp,
      };
      out.write('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
      out.commit();
    });
    if (dropped) result.liveProblem = `the live metrics were removed to make room for the results (${dropped})`;
    return result;
  } catch (err) {
    live.close();
    out.discard();
    throw err;
  }
}

/**
 * Write finished results; a file-system failure here loses finished work, which is a SaveError (exit 1),
 * not bad input. The live files repeat what the CSVs hold: when the disk is full before anything was
 * moved into place and removing them frees at least what the result needs, they are removed and the
 * write is tried once more (the finished results matter more); otherwise they are kept, the only record
 * left. Returns why the live files were dropped, or undefined.
 */
function saving(out: OutputDir, live: { dir: string; needed: number }, runs: number, write: () => void): string | undefined {
  let dropped: string | undefined;
  try {
    try {
      write();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const full = code === 'ENOSPC' || code === 'EDQUOT';
      if (!full || out.leftIncomplete || !existsSync(live.dir) || bytesUnder(live.dir) < live.needed) throw err;
      rmSync(live.dir, { recursive: true, force: true });
      dropped = code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded';
      write();
    }
    return dropped;
  } catch (err) {
    const left = out.leftIncomplete ? `${out.target} is left without manifest.json, i.e. incomplete` : existsSync(live.dir) ? `only the live metrics in ${live.dir} were kept` : 'nothing was written';
    throw SaveError.from(err, `the results of ${runs} finished run${runs === 1 ? '' : 's'}`, left) ?? err;
  }
}

/** The bytes of the files under `dir`, recursively. */
function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? bytesUnder(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}
