// `reproduce`: run an experiment (a compare, or a sweep when it has a sweep section), then check its
// claims against the results and write claims.csv / claims.json (and JUnit XML on request).
import { basename, dirname, join, resolve } from 'node:path';
import type { LoadedExperiment } from '../config/load.js';
import { claimsCsv, claimsJunit, evaluateClaim, type ClaimData, type ClaimResult } from '../report/claims.js';
import { summaryRecord } from '../report/csv.js';
import { checkOutputFile, JUNIT_MARK } from '../results/paths.js';
import { OWN_FILES } from '../results/output-dir.js';
import { SaveError } from '../results/fs-errors.js';
import { writeFileAtomic } from '../results/atomic.js';
import { ConfigError, InterruptedError } from '../config/errors.js';
import { runCompare, type CompareResult } from './compare.js';
import type { RunEvents } from './execute.js';
import { readSweepRuns, runSweep, SWEEP_FILES, type SweepEvents, type SweepResult } from './sweep.js';
import type { KernelSet } from '../wasm/kernels.js';

export interface ReproduceOptions {
  out: string;
  workers?: number;
  signal?: AbortSignal;
  events?: RunEvents & SweepEvents;
  junit?: string;
  force?: boolean;
  kernels?: KernelSet;
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
  if (options.junit !== undefined) {
    checkOutputFile('--junit', options.junit, JUNIT_MARK, 'a JUnit report');
    if (dirname(resolve(options.junit)) === resolve(options.out) && (OWN_FILES.has(basename(options.junit)) || SWEEP_FILES.includes(basename(options.junit)))) {
      throw new ConfigError(`--junit ${options.junit}: expected a file that is not one of the result's own files in --out, got ${basename(options.junit)}`);
    }
  }
  let claims: ClaimResult[] = [];
  let compare: CompareResult | undefined;
  let sweep: SweepResult | undefined;
  let outDir: string;
  const check = (data: ClaimData): ClaimResult[] => (exp.claims ?? []).map((c) => evaluateClaim(c, data));
  if (exp.sweep) {
    sweep = await runSweep(loaded, { out: options.out, workers: options.workers, signal: options.signal, events: options.events, kernels: options.kernels, force: options.force });
    outDir = sweep.outDir;
    const signal = InterruptedError.signalOf(options.signal);
    if (signal) throw new InterruptedError(`claims not checked; ${sweep.complete}/${sweep.plan.runs.length} runs complete in ${outDir} are kept (run the same command again to resume)`, signal);
    claims = check({
      runs: readSweepRuns(outDir, sweep.plan, sweep.completeIds).map((s) => ({ optimizer: s.optimizer, seed: s.seed, lr: s.lr, point: s.point, record: (s.summary ?? { diverged: s.status === 'diverged' }) as Record<string, unknown> })),
      robustness: sweep.aggregate.lr_robustness,
      bestPoint: new Map(sweep.aggregate.best.map((b) => [b.optimizer, b.point])),
    });
    writeFileAtomic(join(outDir, 'claims.csv'), claimsCsv(claims));
    writeFileAtomic(join(outDir, 'claims.json'), claimsJson(exp.name, claims));
  } else {
    compare = await runCompare(loaded, {
      out: options.out,
      output: 'reproduce',
      workers: options.workers,
      signal: options.signal,
      events: options.events,
      force: options.force,
      kernels: options.kernels,
      finalize(result, out) {
        claims = check({
          runs: result.results.flatMap((r) =>
            r.summary ? [{ optimizer: r.spec.optimizer.name, seed: r.spec.seed, lr: r.spec.optimizer.lr, point: {}, record: summaryRecord(r.summary) as Record<string, unknown> }] : [],
          ),
        });
        out.write('claims.csv', claimsCsv(claims));
        out.write('claims.json', claimsJson(exp.name, claims));
      },
    });
    outDir = compare.outDir;
  }
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

function claimsJson(experiment: string, claims: ClaimResult[]): string {
  return JSON.stringify({ experiment, claims }, null, 2) + '\n';
}
