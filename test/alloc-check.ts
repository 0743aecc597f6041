// Measures the heap a steady-state step allocates (the method is in test/models-alloc.test.ts's header):
// shared by the model and layer allocation tests.
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const WARMUP = 500;
export const MAX_TRIALS = 20;
const STEPS_PER_TRIAL = 500;
export const MAX_BYTES_PER_STEP = 128;

/** Calls step(1), step(2), …: WARMUP, then trials of STEPS_PER_TRIAL until one is quiet; returns the quietest seen. */
export function quietestTrial(step: (i: number) => unknown): { bytesPerStep: number; arrayBufferGrowth: number } {
  let i = 1;
  for (; i <= WARMUP; i++) step(i);
  let best = Infinity;
  let arrayBufferGrowth = 0;
  for (let trial = 0; trial < MAX_TRIALS && !(best < MAX_BYTES_PER_STEP); trial++) {
    gc();
    const profiler = new v8.GCProfiler();
    profiler.start();
    const before = process.memoryUsage();
    for (let k = 0; k < STEPS_PER_TRIAL; k++, i++) step(i);
    const after = process.memoryUsage();
    const collections = profiler.stop().statistics.length;
    arrayBufferGrowth = Math.max(arrayBufferGrowth, after.arrayBuffers - before.arrayBuffers);
    if (collections === 0) best = Math.min(best, (after.heapUsed - before.heapUsed) / STEPS_PER_TRIAL);
  }
  return { bytesPerStep: best, arrayBufferGrowth };
}

