// The jobs a run's kernel threads share (src/wasm/threads.ts runs them, src/wasm/kernel-thread.ts is a
// helper thread): the layout of the control block the run thread writes a job into, and how a job
// splits into parts. The parts of a product are disjoint row ranges of C cut at multiples of 4, and
// part p is the same rows whichever thread runs it, so every float is computed exactly as the
// single-threaded kernel computes it (see matmulRows in src/wasm/assembly/matmul.ts): a threaded run
// is bit-identical to an unthreaded one.

// Int32 slots of the control block. SEQ counts jobs: the run thread writes a job's OP, PARTS and
// arguments, then bumps SEQ, which is what helpers wait on. DONE counts the helpers finished with the
// current job; READY the helpers started; FAILED is set by a helper whose part threw.
export const SEQ = 0;
export const DONE = 1;
export const READY = 2;
export const FAILED = 3;
export const OP = 4;
export const PARTS = 5;
/** First argument slot; arguments are read as uint32 (byte offsets reach 4 GiB). */
export const ARG = 6;
export const CONTROL_SLOTS = ARG + 10;

export const OP_EXIT = 0;
export const OP_MATMUL = 1;

/** The exports a part runs (the module's; see Exports in ./wasm-kernels.ts). */
export interface JobExports {
  matmulRows(
    c: number, a: number, b: number, M: number, N: number, K: number,
    transA: number, transB: number, accumulate: number, rowBegin: number, rowEnd: number,
  ): void;
}

// A product is split only from this many flops (2·M·N·K) on: below it, handing a job over and waiting
// for the helpers costs more than the share they take (attention heads, the tiny configs).
// TODO(measure): threshold
export const MIN_SPLIT_FLOPS = 1 << 18;

/** How many parts an M×N×K product is split into on `threads` threads: 1 (the run thread alone) when too small. */
export function matmulParts(M: number, N: number, K: number, threads: number): number {
  if (threads < 2 || 2 * M * N * K < MIN_SPLIT_FLOPS) return 1;
  return Math.min(threads, Math.ceil(M / 4));
}

/**
 * Rows [begin, end) of part p of an M-row product cut into `parts`: the ⌈M/4⌉ blocks of 4 rows (the
 * last one may be short) shared out as evenly as whole blocks allow, in order.
 */
export function partRows(M: number, parts: number, p: number): { begin: number; end: number } {
  const blocks = Math.ceil(M / 4);
  const first = Math.floor((p * blocks) / parts);
  const last = Math.floor(((p + 1) * blocks) / parts);
  return { begin: Math.min(M, 4 * first), end: Math.min(M, 4 * last) };
}

/** Write a matmul job's arguments (c, a, b are byte offsets). */
export function writeMatmul(
  args: Uint32Array, c: number, a: number, b: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, accumulate: boolean,
): void {
  args[ARG] = c;
  args[ARG + 1] = a;
  args[ARG + 2] = b;
  args[ARG + 3] = M;
  args[ARG + 4] = N;
  args[ARG + 5] = K;
  args[ARG + 6] = transA ? 1 : 0;
  args[ARG + 7] = transB ? 1 : 0;
  args[ARG + 8] = accumulate ? 1 : 0;
}

/** Run part p of the job in the control block (on any thread: the parts do not overlap). */
export function runPart(k: JobExports, args: Uint32Array, p: number): void {
  const parts = args[PARTS]!;
  if (p >= parts) return;
  switch (args[OP]) {
    case OP_MATMUL: {
      const M = args[ARG + 3]!;
      const { begin, end } = partRows(M, parts, p);
      k.matmulRows(args[ARG]!, args[ARG + 1]!, args[ARG + 2]!, M, args[ARG + 4]!, args[ARG + 5]!, args[ARG + 6]!, args[ARG + 7]!, args[ARG + 8]!, begin, end);
      return;
    }
    default:
      throw new Error(`kernel threads: unknown job ${args[OP]}`);
  }
}

/**
 * Block until ctl[slot] === target: first `spins` polls (a helper that is about to finish, or a next
 * job that comes within microseconds, is caught without a sleep and wake-up), then Atomics.wait.
 */
export function waitFor(ctl: Int32Array, slot: number, target: number, spins: number): void {
  for (let i = 0; i < spins; i++) if (Atomics.load(ctl, slot) === target) return;
  for (let now = Atomics.load(ctl, slot); now !== target; now = Atomics.load(ctl, slot)) Atomics.wait(ctl, slot, now);
}

/** Block until ctl[slot] !== old (a helper waiting for the next job); returns the new value. */
export function waitChange(ctl: Int32Array, slot: number, old: number, spins: number): number {
  for (let i = 0; i < spins; i++) {
    const now = Atomics.load(ctl, slot);
    if (now !== old) return now;
  }
  let now = Atomics.load(ctl, slot);
  while (now === old) {
    Atomics.wait(ctl, slot, old);
    now = Atomics.load(ctl, slot);
  }
  return now;
}
