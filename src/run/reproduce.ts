// `reproduce`: run an experiment (a compare, or a sweep when it has a sweep section), then check its
// claims against the results and write claims.csv / claims.json (and JUnit XML on request).
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadedExperiment } from '../config/load.js';
import { ConfigError, InterruptedError } from '../base/errors.js';
import type { RunSpec } from '../train/train.js';
import type { KernelSet } from '../wasm/kernels.js';
import { writeFileAtomic } from '../results/atomic.js';
import { claimsCsv, claimsJson, claimsJunit, type ClaimResult } from '../results/claims.js';
import { SaveError } from '../results/fs-errors.js';
import { OWN_FILES } from '../results/output-dir.js';
import { checkOutputFile, JUNIT_MARK } from '../results/paths.js';
import { summaryRecord } from '../results/run-files.js';
import type { RunEvents } from '../results/run-result.js';
import { SWEEP_FILES } from '../results/sweep-dir.js';
import { evaluateClaim, type ClaimData, type JudgedRun } from './claims.js';
import { runCompare, type CompareResult } from './compare.js';
import { runSweep, type SweepEvents, type SweepResult } from './sweep.js';

export interface ReproduceOptions {
  out: string;
  workers?: number;
  signal?: AbortSignal;
  events?: RunEvents & SweepEvents;
  junit?: string;
  force?: boolean;
  /** The runs of an experiment without a sweep, when the caller has planned them already (see runCompare). */
  specs?: RunSpec[];
  kernels?: KernelSet;
  /** Threads per run (default: see poolShape in ./execute.ts). */
  threads?: number;
}

export interface ReproduceResult {
  outDir: string;
  claims: ClaimResult[];
  compare?: CompareResult;
  sweep?: SweepResult;
  seconds: number;
}

export async function runReproduce(loaded: LoadedExperiment, options: ReproduceOptions): Promise<ReproduceResult> {
  const started = performance.now();
  const exp = loaded.experiment;
  if (options.junit !== undefined) checkJunit(options.junit, options.out);
  const check = (data: ClaimData): ClaimResult[] => (exp.claims ?? []).map((c) => evaluateClaim(c, data));
  let claims: ClaimResult[] = [];
  let compare: CompareResult | undefined;
  let sweep: SweepResult | undefined;
  if (exp.sweep) {
    sweep = await runSweep(loaded, { out: options.out, workers: options.workers, signal: options.signal, events: options.events, kernels: options.kernels, threads: options.threads, force: options.force });
    const signal = InterruptedError.signalOf(options.signal);
    if (signal) throw new InterruptedError(`claims not checked; ${sweep.complete}/${sweep.plan.runs.length} runs complete in ${sweep.outDir} are kept (run the same command again to resume)`, signal);
    claims = check({
      runs: sweep.runs.map((s): JudgedRun => ({ optimizer: s.optimizer, seed: s.seed, lr: s.lr, point: s.point, record: s.summary ?? { diverged: s.status === 'diverged' } })),
      robustness: sweep.aggregate.lr_robustness,
      bestPoint: new Map(sweep.aggregate.best.map((b) => [b.optimizer, b.point])),
    });
    writeFileAtomic(join(sweep.outDir, 'claims.csv'), claimsCsv(claims));
    writeFileAtomic(join(sweep.outDir, 'claims.json'), claimsJson(exp.name, claims));
  } else {
    compare = await runCompare(loaded, {
      out: options.out,
      output: 'reproduce',
      workers: options.workers,
      threads: options.threads,
      signal: options.signal,
      events: options.events,
      force: options.force,
      specs: options.specs,
      kernels: options.kernels,
      finalize(result, out) {
        claims = check({
          runs: result.results.flatMap((r) => (r.summary ? [{ optimizer: r.spec.optimizer.name, seed: r.spec.seed, lr: r.spec.optimizer.lr, point: {}, record: summaryRecord(r.summary) }] : [])),
        });
        out.write('claims.csv', claimsCsv(claims));
        out.write('claims.json', claimsJson(exp.name, claims));
      },
    });
  }
  const outDir = sweep?.outDir ?? compare!.outDir;
  const seconds = (performance.now() - started) / 1000;
  if (options.junit) {
    try {
      writeFileAtomic(options.junit, claimsJunit(exp.name, claims, seconds));
    } catch (err) {
      throw SaveError.from(err, `the JUnit report --junit ${options.junit}`, `the claims were checked and saved in ${join(outDir, 'claims.csv')}`) ?? err;
    }
  }
  return { outDir, claims, compare, sweep, seconds };
}

/** --junit is checked before the runs: a usable path, new or a JUnit report of ours, and none of the result's own files. */
function checkJunit(junit: string, out: string): void {
  checkOutputFile('--junit', junit, JUNIT_MARK, 'a JUnit report');
  if (dirname(resolve(junit)) === resolve(out) && (OWN_FILES.has(basename(junit)) || SWEEP_FILES.includes(basename(junit)))) {
    throw new ConfigError(`--junit ${junit}: expected a file that is not one of the result's own files in --out, got ${basename(junit)}`);
  }
}
