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
export const CONTROL_SLOTS = ARG + 11;

export const OP_EXIT = 0;
export const OP_MATMUL = 1;
export const OP_IM2COL = 2;
export const OP_COL2IM = 3;

// Each thread's instance has its own scratch past the arena (packed Aᵀ·B: src/wasm/assembly/packed.ts):
// the last `threads` regions of this many bytes of the memory, thread p's the (p+1)-th from the end.
export const SCRATCH_BYTES = 1 << 18;

/** Thread `part`'s scratch in a memory of `memoryBytes`: its byte offset and size (setScratch's arguments). */
export function scratchOf(memoryBytes: number, part: number): [number, number] {
  return [memoryBytes - (part + 1) * SCRATCH_BYTES, SCRATCH_BYTES];
}

/** The exports a part runs (the module's; see Exports in ./wasm-kernels.ts). */
export interface JobExports {
  setScratch(at: number, bytes: number): void;
  matmulRows(
    c: number, a: number, b: number, M: number, N: number, K: number,
    transA: number, transB: number, accumulate: number, rowBegin: number, rowEnd: number,
  ): void;
  im2colRows(cols: number, x: number, C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number, rowBegin: number, rowEnd: number): void;
  col2imChannels(dx: number, dcols: number, C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number, cBegin: number, cEnd: number): void;
}

// A product is split only from this many flops (2·M·N·K, ~0.1 ms on one core here) on. Handing a job to
// a helper that is still polling costs ~1 µs, but one that has gone to sleep takes 25–70 µs to wake
// (measured on this 2-core VM), so a small product split after a pause (2c2d's first conv, 1.25 Mflop
// per image behind an unsplit im2col) ran slower on two threads than on one. Attention heads and the
// tiny configs stay below it too.
export const MIN_SPLIT_FLOPS = 1 << 22;

/** How many parts an M×N×K product is split into on `threads` threads: 1 (the run thread alone) when too small. */
export function matmulParts(M: number, N: number, K: number, threads: number): number {
  if (threads < 2 || 2 * M * N * K < MIN_SPLIT_FLOPS) return 1;
  return Math.min(threads, Math.ceil(M / 4));
}

// im2col and col2im are split only from this many floats of cols on (DeepOBS 2c2d's second conv:
// 157k, next to products that are split; its first: 20k, which one thread copies in microseconds).
export const MIN_SPLIT_COLS = 1 << 16;

/** How many parts an im2col or col2im over `g` is split into: at most `units` (its rows, or channels). */
export function convParts(g: { C: number; k: number; Ho: number; Wo: number }, units: number, threads: number): number {
  if (threads < 2 || g.C * g.k * g.k * g.Ho * g.Wo < MIN_SPLIT_COLS) return 1;
  return Math.min(threads, units);
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

/** [begin, end) of part p of n items cut into `parts` as evenly as can be, in order (im2col rows, col2im channels: any cut gives the same floats). */
export function partRange(n: number, parts: number, p: number): { begin: number; end: number } {
  return { begin: Math.floor((p * n) / parts), end: Math.floor(((p + 1) * n) / parts) };
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

/**
 * Write an im2col or col2im job's arguments: `to` and `from` are byte offsets (cols and the image for
 * im2col, the image gradient and dcols for col2im), then the geometry.
 */
export function writeConv(args: Uint32Array, to: number, from: number, g: { C: number; H: number; W: number; k: number; stride: number; Ho: number; Wo: number; padTop: number; padLeft: number }): void {
  args[ARG] = to;
  args[ARG + 1] = from;
  args[ARG + 2] = g.C;
  args[ARG + 3] = g.H;
  args[ARG + 4] = g.W;
  args[ARG + 5] = g.k;
  args[ARG + 6] = g.stride;
  args[ARG + 7] = g.Ho;
  args[ARG + 8] = g.Wo;
  args[ARG + 9] = g.padTop;
  args[ARG + 10] = g.padLeft;
}

/** Run part p of the job in the control block (on any thread: the parts do not overlap). */
export function runPart(wasm: JobExports, args: Uint32Array, p: number): void {
  const parts = args[PARTS]!;
  if (p >= parts) return;
  const at = (i: number): number => args[ARG + i]!;
  switch (args[OP]) {
    case OP_MATMUL: {
      const { begin, end } = partRows(at(3), parts, p);
      wasm.matmulRows(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), begin, end);
      return;
    }
    case OP_IM2COL: {
      const { begin, end } = partRange(at(2) * at(5) * at(5), parts, p); // rows C·k·k
      wasm.im2colRows(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(10), begin, end);
      return;
    }
    case OP_COL2IM: {
      const { begin, end } = partRange(at(2), parts, p); // channels C
      wasm.col2imChannels(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(10), begin, end);
      return;
    }
    default:
      throw new Error(`kernel threads: unknown job ${args[OP]}`);
  }
}

/**
 * Block until ctl[slot] === target: first `spins` polls (a helper that is about to finish, or a next
 * job that comes within microseconds, is caught without a sleep and wake-up), then Atomics.wait.
 * false when `timeoutMs` passed first.
 */
export function waitFor(ctl: Int32Array, slot: number, target: number, spins: number, timeoutMs = Infinity): boolean {
  for (let i = 0; i < spins; i++) if (Atomics.load(ctl, slot) === target) return true;
  const deadline = performance.now() + timeoutMs;
  for (let now = Atomics.load(ctl, slot); now !== target; now = Atomics.load(ctl, slot)) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(ctl, slot, now, left);
  }
  return true;
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
