// A helper thread of a threaded run (started by ./threads.ts): its own instance of the kernels module
// over the run's shared memory, waiting on the control block for jobs and claiming parts of each
// until none is left (./jobs.ts workParts), until the run ends its kernels.
import { workerData } from 'node:worker_threads';
import { FAILED, jobBlock, OP, OP_EXIT, READY, regionOf, SCRATCH_BYTES, SEQ, waitChange, workParts, type JobExports } from './jobs.js';
import type { HelperData } from './threads.js';

// Polls of the control block (~13 ns each here) before the helper sleeps waiting for the next job:
// ~13 µs. Split jobs often come back to back (a layer's forward, then the next layer's), a job handed
// to a polling helper starts within ~1 µs, and a sleeping one takes 25–70 µs to wake; longer spins
// would cost other processes' time on an oversubscribed machine.
const JOB_SPINS = 1 << 10;

type WebAssemblyInstance = new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
const Instance = (globalThis as unknown as { WebAssembly: { Instance: WebAssemblyInstance } }).WebAssembly.Instance;

const { module, memory, control, floats, part, laneBytes, errors } = workerData as HelperData;
const block = jobBlock(control, floats);
const { ctl } = block;

/** Report an exception to the run thread: the message on our port, then the flag it checks. */
function fail(err: unknown): void {
  errors.postMessage(`helper ${part}: ${(err as Error).message ?? String(err)}`);
  Atomics.store(ctl, FAILED, 1);
}

let k: JobExports | undefined;
try {
  k = new Instance(module, { env: { memory } }).exports as JobExports;
  const region = regionOf((memory as { buffer: ArrayBufferLike }).buffer.byteLength, part, laneBytes);
  k.setScratch(region.scratch, SCRATCH_BYTES);
  k.setConvLane(region.lane);
} catch (err) {
  fail(err);
}
Atomics.add(ctl, READY, 1);
Atomics.notify(ctl, READY);

let seen = 0;
while (k !== undefined) {
  seen = waitChange(ctl, SEQ, seen, JOB_SPINS);
  if (Atomics.load(ctl, OP) === OP_EXIT) break;
  try {
    workParts(k, block);
  } catch (err) {
    fail(err);
  }
}
errors.close();
