// The helper threads of one threaded run: threads − 1 worker_threads, each with its own instance of
// the kernels module over the run's shared memory (src/wasm/kernel-thread.ts). The run thread hands
// them a job through a control block (./jobs.ts) with Atomics: postMessage costs tens of microseconds
// a message, too much for the thousands of sub-millisecond products of a training step. Every thread
// claims parts until none is left (./jobs.ts claimPart), the run thread too, which then waits only for
// the parts helpers claimed: on a busy machine a helper that is not scheduled costs nothing, and the
// run goes at one thread's speed instead of stalling. The job is over when run() returns.
//
// The helpers are unref'd (they never keep the process alive) and exit when the run disposes its
// kernels; a helper's exception comes back as an exception of run().
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { CONTROL_SLOTS, DONE, FAILED, floatSlots, jobBlock, OP, OP_EXIT, openParts, PARTS, READY, SEQ, waitFor, workParts, type JobBlock, type JobExports } from './jobs.js';

const HELPER_URL = new URL('./kernel-thread.js', import.meta.url);

// Polls of the control block (~13 ns each here) before the run thread sleeps waiting for helpers: ~25 µs,
// about the time a sleeping helper takes to wake, so a helper woken for this job is usually waited for
// without a sleep. Longer spins cost when the machine is oversubscribed: the spinning thread holds a
// core the helper it waits for may need.
const DONE_SPINS = 1 << 11;

/** How long a helper may take to start and instantiate the module before the run gives up. */
const START_TIMEOUT_MS = 20_000;

/**
 * How long the run thread waits for the parts helpers claimed after it ran out of parts to claim
 * (parts are equal, so a helper finishes within about one part's time of it) before it decides one
 * has died without a word while holding a part (killed, out of memory: its exit event cannot be seen
 * while this thread is blocked): the larger of this and 10× the time the run thread spent on its own
 * parts. A watchdog against hanging forever, never reached by a live helper.
 */
const STALL_MIN_MS = 60_000;

/** What a helper thread is given (workerData). */
export interface HelperData {
  module: object;
  memory: object;
  control: SharedArrayBuffer;
  /** The job's float64 slots (scalars, chunk sums). */
  floats: SharedArrayBuffer;
  /** Its index, 1 … threads − 1 (the run thread is 0): which region past the arena is its own (./jobs.ts regionOf), its name in error reports. */
  part: number;
  /** Bytes of each thread's conv lane (./jobs.ts regionBytes): where its region starts. */
  laneBytes: number;
  /** Where it reports an exception before it sets FAILED. */
  errors: MessagePort;
}

export class KernelThreads {
  private readonly ctl: Int32Array;
  /** The job's slots, which the run thread writes before `run`. */
  readonly block: JobBlock;
  private readonly helpers: Worker[] = [];
  /** One port per helper, on which it reports its exception. */
  private readonly errors: MessagePort[] = [];
  private seq = 0;
  private disposed = false;
  /** Resolves when every helper thread has exited (after dispose). */
  readonly exited: Promise<void>;

  /** Start threads − 1 helpers over `memory` (a shared WebAssembly.Memory) and wait until they are ready. */
  constructor(module: object, memory: object, readonly threads: number, laneBytes: number, private readonly stallMinMs = STALL_MIN_MS) {
    const control = new SharedArrayBuffer(4 * CONTROL_SLOTS);
    const floats = new SharedArrayBuffer(8 * floatSlots((memory as { buffer: ArrayBufferLike }).buffer.byteLength));
    this.block = jobBlock(control, floats);
    this.ctl = this.block.ctl;
    const exits: Promise<void>[] = [];
    for (let part = 1; part < threads; part++) {
      const channel = new MessageChannel();
      channel.port1.unref();
      this.errors.push(channel.port1);
      const workerData: HelperData = { module, memory, control, floats, part, laneBytes, errors: channel.port2 };
      // No Node options: a helper needs none, and some the run's process may have (--input-type=module
      // of `node -e`) make a worker fail before it runs a line, which the run thread, blocked waiting
      // for it, could only learn from the start timeout.
      const helper = new Worker(HELPER_URL, { workerData, transferList: [channel.port2], execArgv: [] });
      helper.unref();
      exits.push(new Promise((resolve) => helper.once('exit', () => resolve())));
      this.helpers.push(helper);
    }
    this.exited = Promise.all(exits).then(() => undefined);
    this.awaitReady();
  }

  private awaitReady(): void {
    const started = performance.now();
    for (let ready = Atomics.load(this.ctl, READY); ready < this.threads - 1; ready = Atomics.load(this.ctl, READY)) {
      if (Atomics.wait(this.ctl, READY, ready, START_TIMEOUT_MS) === 'timed-out' || performance.now() - started > START_TIMEOUT_MS) {
        this.dispose();
        throw new Error(`kernel threads: ${this.threads - 1 - ready} helper thread(s) did not start within ${START_TIMEOUT_MS / 1000} s`);
      }
    }
    this.checkFailed();
  }

  /** Run job `op`, whose arguments are written, in `parts` parts, each claimed by whichever thread comes first. */
  run(op: number, parts: number, k: JobExports): void {
    if (this.disposed) throw new Error('kernel threads: used after dispose');
    const { ctl } = this;
    ctl[OP] = op;
    ctl[PARTS] = parts;
    openParts(ctl, parts);
    Atomics.store(ctl, SEQ, ++this.seq);
    Atomics.notify(ctl, SEQ);
    const started = performance.now();
    workParts(k, this.block);
    const own = performance.now() - started;
    if (!waitFor(ctl, DONE, parts, DONE_SPINS, Math.max(this.stallMinMs, 10 * own))) {
      const done = Atomics.load(ctl, DONE);
      this.dispose();
      throw new Error(`kernel threads: ${parts - done} part(s) of a job never finished: a helper thread stopped responding in the middle of it`);
    }
    this.checkFailed();
  }

  private checkFailed(): void {
    if (Atomics.load(this.ctl, FAILED) === 0) return;
    const reported = this.errors.map((port) => receiveMessageOnPort(port)?.message as string | undefined).filter((m) => m !== undefined);
    this.dispose();
    throw new Error(`kernel threads: a helper thread failed: ${reported.join('; ') || 'no message'}`);
  }

  /** End the helper threads (they exit at once: none is inside a job between runs). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const { ctl } = this;
    ctl[OP] = OP_EXIT;
    Atomics.store(ctl, SEQ, ++this.seq);
    Atomics.notify(ctl, SEQ);
    for (const port of this.errors) port.close();
  }
}
