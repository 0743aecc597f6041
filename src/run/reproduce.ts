// `reproduce`: run an experiment (a compare, or a sweep when it has a sweep section), then check its
// claims against the results and write claims.csv / claims.json (and JUnit XML on request).
import { join } from 'node:path';
import type { LoadedExperiment } from '../config/load.js';
import { claimsCsv, claimsJunit, evaluateClaim, type ClaimData, type ClaimResult } from '../report/claims.js';
import { summaryRecord } from '../report/csv.js';
import { writeFileAtomic } from '../report/output.js';
import { InterruptedError, runCompare, type CompareResult } from './compare.js';
import type { RunEvents } from './execute.js';
import { readSweepRuns, runSweep, type SweepEvents, type SweepResult } from './sweep.js';
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
  let data: ClaimData;
  let compare: CompareResult | undefined;
  let sweep: SweepResult | undefined;
  let outDir: string;
  if (exp.sweep) {
    sweep = await runSweep(loaded, { out: options.out, workers: options.workers, signal: options.signal, events: options.events, kernels: options.kernels });
    outDir = sweep.outDir;
    if (sweep.interrupted) throw new InterruptedError();
    data = {
      runs: readSweepRuns(outDir, sweep.plan).map((s) => ({ optimizer: s.optimizer, seed: s.seed, lr: s.lr, point: s.point, record: (s.summary ?? { diverged: s.status === 'diverged' }) as Record<string, unknown> })),
      robustness: sweep.aggregate.lr_robustness,
      bestPoint: new Map(sweep.aggregate.best.map((b) => [b.optimizer, b.point])),
    };
  } else {
    compare = await runCompare(loaded, { out: options.out, workers: options.workers, signal: options.signal, events: options.events, force: options.force, kernels: options.kernels });
    outDir = compare.outDir;
    data = {
      runs: compare.results.flatMap((r) =>
        r.summary ? [{ optimizer: r.spec.optimizer.name, seed: r.spec.seed, lr: r.spec.optimizer.lr, point: {}, record: summaryRecord(r.summary) as Record<string, unknown> }] : [],
      ),
    };
  }
  const claims = (exp.claims ?? []).map((c) => evaluateClaim(c, data));
  const seconds = (performance.now() - started) / 1000;
  writeFileAtomic(join(outDir, 'claims.csv'), claimsCsv(claims));
  writeFileAtomic(join(outDir, 'claims.json'), JSON.stringify({ experiment: exp.name, claims }, null, 2) + '\n');
  if (options.junit) writeFileAtomic(options.junit, claimsJunit(exp.name, claims, seconds));
  return { outDir, claims, compare, sweep, seconds };
}
