// Timing for `npm run bench`: warm up, calibrate a batch of iterations, then take the median of
// several timed batches. One measurement at a time, in one process; on 2 shared cores single numbers
// are noisy, so the tables report medians and ratios measured within the same run.

export interface MeasureOptions {
  /** Target wall time of one timed batch (ms); a batch is never shorter than one iteration. */
  sampleMs: number;
  /** Timed batches; the median is reported. */
  samples: number;
  /** Wall time spent before timing (ms): JIT tiers, caches, peer kernel set-up. At least 3 batches. */
  warmupMs: number;
}

/** `run(iterations)` repeats the measured thing; built once, allocation-free when run. */
export type Repeat = (iterations: number) => void;

export const FULL: MeasureOptions = { sampleMs: 100, samples: 7, warmupMs: 300 };
export const QUICK: MeasureOptions = { sampleMs: 10, samples: 3, warmupMs: 20 };

export interface Timing {
  /** Median seconds per iteration over the timed batches. */
  median: number;
  /** Fastest and slowest batch, seconds per iteration: the spread of this measurement. */
  min: number;
  max: number;
  /** Iterations per timed batch and number of batches. */
  iterations: number;
  samples: number;
}

/**
 * Time `run(iterations)`, which must do `iterations` repetitions of the thing measured. Warm-up
 * doubles the batch until one batch takes a quarter of `sampleMs`, then sizes it to `sampleMs`.
 */
export function measure(run: Repeat, o: MeasureOptions): Timing {
  let iterations = 1;
  let spent = 0;
  let perIteration = Infinity;
  for (let batches = 1; ; batches++) {
    const t0 = performance.now();
    run(iterations);
    const dt = performance.now() - t0;
    spent += dt;
    const longEnough = dt >= o.sampleMs / 4;
    if (longEnough) perIteration = dt / iterations;
    if (longEnough && spent >= o.warmupMs && batches >= 3) break;
    if (!longEnough) iterations *= 2;
  }
  iterations = Math.max(1, Math.round(o.sampleMs / perIteration));
  const perIter: number[] = [];
  for (let s = 0; s < o.samples; s++) {
    const t0 = performance.now();
    run(iterations);
    perIter.push((performance.now() - t0) / 1000 / iterations);
  }
  perIter.sort((a, b) => a - b);
  return {
    median: median(perIter),
    min: perIter[0]!,
    max: perIter[perIter.length - 1]!,
    iterations,
    samples: o.samples,
  };
}

/** The median of `values` (any order; NaN for none). */
export function medianOf(values: number[]): number {
  return values.length === 0 ? NaN : median([...values].sort((a, b) => a - b));
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
