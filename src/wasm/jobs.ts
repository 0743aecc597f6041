// The jobs a run's kernel threads share (src/wasm/threads.ts runs them, src/wasm/kernel-thread.ts is a
// helper thread): the layout of the control block the run thread writes a job into, and how a job
// splits into parts. Part p is the same work whichever thread runs it, and parts never write the same
// float, so every float is computed exactly as the single-threaded kernel computes it: a threaded run
// is bit-identical to an unthreaded one. The parts of a product are disjoint row ranges of C cut at
// multiples of 4 (see matmulRows in src/wasm/assembly/matmul.ts); those of an optimizer step or of
// Σx² are runs of whole chunks of src/optim/chunks.ts, each chunk's sum stored in its own slot and
// the slots added in order by the run thread; those of a conv layer are ranges of images, or of
// columns of its weight gradient (src/wasm/assembly/conv.ts); those of other layers are ranges of
// floats, planes, images or channels.
import { chunkCount, SUM_CHUNK } from '../optim/chunks.js';

// Int32 slots of the control block. SEQ counts jobs: the run thread writes a job's OP, PARTS and
// arguments, then opens CLAIM and bumps SEQ, which is what sleeping helpers wait on. Parts are not
// tied to threads: every thread, the run thread included, claims the next unclaimed part through
// CLAIM until none is left (claimPart), so a helper that is asleep, or not scheduled because the
// machine is busy, holds up nothing it has not claimed. DONE counts the parts finished; READY the
// helpers started; FAILED is set by a helper whose part threw.
export const SEQ = 0;
export const DONE = 1;
export const READY = 2;
export const FAILED = 3;
export const OP = 4;
export const PARTS = 5;
/** (parts << 16) | the next part to claim: one word, so a claim is one compare-and-swap. */
export const CLAIM = 6;
/** First argument slot; arguments are read as uint32 (byte offsets reach 4 GiB). */
export const ARG = 7;
/** Argument slots: the most a job takes (a conv layer's: writeConvLayer). */
const ARGS = 15;
export const CONTROL_SLOTS = ARG + ARGS;
// Float64 slots of the job's second buffer: the float scalars of a job, then from SUMS on one sum per chunk.
const SCALARS = 10;
export const SUMS = SCALARS;

export const OP_EXIT = 0;
export const OP_MATMUL = 1;
// a conv layer (writeConvLayer): its forward, weight gradient and input gradient
export const OP_CONV_FORWARD = 2;
export const OP_CONV_WEIGHT_GRAD = 3;
export const OP_CONV_INPUT_GRAD = 4;
// chunked (src/optim/chunks.ts): args n, then pointers; scalars in the float64 slots
export const OP_SUM_OF_SQUARES = 5;
export const OP_SCALE = 6;
export const OP_SGD = 7;
export const OP_ADAM = 8;
export const OP_RADAM = 9;
export const OP_SECOND_MOMENT = 10;
// layers
export const OP_RELU_FORWARD = 11;
export const OP_RELU_BACKWARD = 12;
export const OP_POOL_FORWARD = 13;
export const OP_POOL_BACKWARD = 14;
export const OP_CHANNEL_BIAS = 15;
export const OP_CHANNEL_SUMS = 16;

/** A job's slots: the control block's (Int32 slots, uint32 arguments) and the float64 ones (scalars, chunk sums). */
export interface JobBlock {
  ctl: Int32Array;
  args: Uint32Array;
  floats: Float64Array;
}

/** The float64 slots a run over `memoryBytes` of memory needs: the scalars and one per chunk of the largest array it can hold. */
export function floatSlots(memoryBytes: number): number {
  return SUMS + chunkCount(Math.ceil(memoryBytes / 4));
}

/** A job block over these buffers (shared ones for threads; the run thread alone may use plain ones). */
export function jobBlock(control: ArrayBufferLike, floats: ArrayBufferLike): JobBlock {
  return { ctl: new Int32Array(control), args: new Uint32Array(control), floats: new Float64Array(floats) };
}

// Each thread's instance has its own region past the arena: the last `threads` regions of the memory,
// thread p's the (p+1)-th from the end. A region is SCRATCH_BYTES of scratch for packed Aᵀ·B
// (src/wasm/assembly/packed.ts), then the thread's conv lane (the cols of one image of the run's largest
// conv layer, src/wasm/assembly/conv.ts; 0 bytes in a run without one).
export const SCRATCH_BYTES = 1 << 18;

/** Bytes of each thread's region: the scratch, then a conv lane of `laneBytes` (a multiple of 16). */
export function regionBytes(laneBytes: number): number {
  return SCRATCH_BYTES + laneBytes;
}

/** Thread `part`'s region in a memory of `memoryBytes`: where its scratch (SCRATCH_BYTES long) and its conv lane start. */
export function regionOf(memoryBytes: number, part: number, laneBytes: number): { scratch: number; lane: number } {
  const scratch = memoryBytes - (part + 1) * regionBytes(laneBytes);
  return { scratch, lane: scratch + SCRATCH_BYTES };
}

/** The exports a part runs (the module's; see Exports in ./wasm-kernels.ts). */
export interface JobExports {
  setScratch(at: number, bytes: number): void;
  matmulRows(
    c: number, a: number, b: number, M: number, N: number, K: number,
    transA: number, transB: number, accumulate: number, rowBegin: number, rowEnd: number,
  ): void;
  setConvLane(at: number): void;
  conv2dForwardImages(
    out: number, weight: number, bias: number, x: number,
    C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number, Cout: number,
    bBegin: number, bEnd: number,
  ): void;
  conv2dWeightGradColumns(
    dW: number, dout: number, x: number,
    C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number, Cout: number,
    B: number, jBegin: number, jEnd: number,
  ): void;
  conv2dInputGradImages(
    dx: number, weight: number, dout: number,
    C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number, Cout: number,
    bBegin: number, bEnd: number,
  ): void;
  sgdStep(p: number, g: number, buf: number, n: number, lr: number, momentum: number, keep: number, nesterov: number, weightDecay: number, firstStep: number): number;
  adamStep(p: number, g: number, m: number, v: number, vmax: number, n: number, stepSize: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, biasCorrection2Sqrt: number, eps: number, l2: number, decayFactor: number): number;
  secondMomentOnlyStep(p: number, g: number, v: number, vmax: number, n: number, beta2: number, oneMinusBeta2: number, l2: number): void;
  radamStep(p: number, g: number, m: number, v: number, n: number, stepSize: number, rectified: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, l2: number, decayFactor: number): number;
  sumOfSquares(x: number, n: number): number;
  scaleInPlace(x: number, n: number, factor: number): void;
  reluForward(out: number, inp: number, n: number): void;
  reluBackward(dinp: number, dout: number, inp: number, n: number): void;
  maxPool2dForward(out: number, argmax: number, x: number, planeBegin: number, planeEnd: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number): void;
  maxPool2dBackward(dx: number, dout: number, argmax: number, n: number): void;
  addChannelBias(out: number, bias: number, B: number, C: number, plane: number): void;
  addChannelSums(dbias: number, dout: number, B: number, C: number, plane: number, cBegin: number, cEnd: number): void;
}

// Parts per thread of a split job. More parts than threads let whichever threads are running take
// the share of one that is not scheduled (./threads.ts): on a busy machine the run thread claims the
// parts a stalled helper has not reached, instead of waiting for them.
export const PARTS_PER_THREAD = 4;

/**
 * The one rule every split follows: a job of `size` (flops, floats …) that divides into at most `units`
 * pieces runs whole on the run thread below `minSize` or without helpers, else in PARTS_PER_THREAD
 * parts per thread (never more than its units).
 */
function splitParts(size: number, minSize: number, units: number, threads: number): number {
  if (threads < 2 || size < minSize) return 1;
  return Math.min(PARTS_PER_THREAD * threads, units);
}

// A product is split only from this many flops (2·M·N·K, ~0.1 ms on one core here) on. Handing a job to
// a helper that is still polling costs ~1 µs, but one that has gone to sleep takes 25–70 µs to wake
// (measured on this 2-core VM), so a small product split after a pause ran slower on two threads than
// on one. Attention heads and the tiny configs stay below it too. A conv layer is one job over the
// whole batch (see convParts), so it is its whole pass's flops that count.
export const MIN_SPLIT_FLOPS = 1 << 22;

/** How many parts an M×N×K product is split into on `threads` threads: 1 (the run thread alone) when too small. */
export function matmulParts(M: number, N: number, K: number, threads: number): number {
  return splitParts(2 * M * N * K, MIN_SPLIT_FLOPS, Math.ceil(M / 4), threads);
}

/**
 * How many parts one pass of a conv layer over a batch of B images is split into: a product of
 * 2·Cout·C·k·k·Ho·Wo flops per image, cut into at most `units` (images, or blocks of 4 columns of dW).
 */
export function convParts(g: { C: number; k: number; Ho: number; Wo: number; Cout: number }, B: number, units: number, threads: number): number {
  return splitParts(2 * g.Cout * g.C * g.k * g.k * g.Ho * g.Wo * B, MIN_SPLIT_FLOPS, units, threads);
}

// Optimizer steps, Σx² and layers are split only from this many floats on (~25 µs of a step's work
// here, about what waking a sleeping helper costs): smaller ones (the tiny configs', a 10-way
// layer's) stay on the run thread.
export const MIN_SPLIT_FLOATS = 1 << 16;

/** How many parts a job over `floats` floats that splits into at most `units` (chunks, planes, images, channels) is cut into. */
export function floatParts(floats: number, units: number, threads: number, minFloats = MIN_SPLIT_FLOATS): number {
  return splitParts(floats, minFloats, units, threads);
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

/** [begin, end) of part p of n items cut into `parts` as evenly as can be, in order (images, planes, channels: any cut gives the same floats). */
export function partRange(n: number, parts: number, p: number): { begin: number; end: number } {
  return { begin: Math.floor((p * n) / parts), end: Math.floor(((p + 1) * n) / parts) };
}

/** Write a matmul job's arguments (c, a, b are byte offsets). */
export function writeMatmul(
  args: Uint32Array, c: number, a: number, b: number, M: number, N: number, K: number,
  transA: boolean, transB: boolean, accumulate: boolean,
): void {
  writeArgs(args, c, a, b, M, N, K, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0);
}

/**
 * Write a conv layer job's arguments: four byte offsets (the output and what the pass reads, as
 * runConvPart passes them on; the backward passes read three), the geometry, Cout and B (the batch).
 */
export function writeConvLayer(
  args: Uint32Array, p0: number, p1: number, p2: number, p3: number,
  g: { C: number; H: number; W: number; k: number; stride: number; Ho: number; Wo: number; padTop: number; padLeft: number; Cout: number }, B: number,
): void {
  writeArgs(args, p0, p1, p2, p3, g.C, g.H, g.W, g.k, g.stride, g.Ho, g.Wo, g.padTop, g.padLeft, g.Cout, B);
}

/**
 * Claim the next unclaimed part of the job in `ctl`: its index, or −1 when all are taken. A claim is
 * always of the current job, whose arguments were written before CLAIM was opened and stay until
 * every claimed part is counted DONE; a thread that wakes late for a finished job finds nothing to claim.
 */
export function claimPart(ctl: Int32Array): number {
  for (;;) {
    const word = Atomics.load(ctl, CLAIM);
    const next = word & 0xffff;
    if (next >= word >>> 16) return -1;
    if (Atomics.compareExchange(ctl, CLAIM, word, word + 1) === word) return next;
  }
}

/** Open a job of `parts` parts (its OP, PARTS and arguments written) for claiming. */
export function openParts(ctl: Int32Array, parts: number): void {
  Atomics.store(ctl, DONE, 0);
  Atomics.store(ctl, CLAIM, parts << 16);
}

/**
 * Claim and run parts of the current job until none is left, counting each in DONE (also one that
 * threw, so nobody waits for it; the exception goes on to the caller).
 */
export function workParts(wasm: JobExports, block: JobBlock): void {
  const { ctl } = block;
  for (let p = claimPart(ctl); p >= 0; p = claimPart(ctl)) {
    try {
      runPart(wasm, block, p);
    } finally {
      Atomics.add(ctl, DONE, 1);
      Atomics.notify(ctl, DONE);
    }
  }
}

/** Run part p of the job in the block (on any thread: the parts do not overlap). */
export function runPart(wasm: JobExports, block: JobBlock, p: number): void {
  const { args } = block;
  const parts = args[PARTS]!;
  if (p >= parts) return;
  const op = args[OP]!;
  if (op >= OP_SUM_OF_SQUARES && op <= OP_SECOND_MOMENT) return runChunks(wasm, block, parts, p);
  if (op >= OP_RELU_FORWARD) return runLayerPart(wasm, args, parts, p);
  if (op >= OP_CONV_FORWARD && op <= OP_CONV_INPUT_GRAD) return runConvPart(wasm, args, parts, p);
  if (op !== OP_MATMUL) throw new Error(`kernel threads: unknown job ${op}`);
  const at = (i: number): number => args[ARG + i]!;
  const { begin, end } = partRows(at(3), parts, p);
  wasm.matmulRows(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), begin, end);
}

/**
 * Part p of a conv layer's pass (src/wasm/assembly/conv.ts), unrolling into the lane of whichever
 * thread runs it: a range of images of the forward or of the input gradient; or a range of columns of
 * the weight gradient (blocks of 4, as matmulDotsColumns needs), over every image in order.
 */
function runConvPart(wasm: JobExports, args: Uint32Array, parts: number, p: number): void {
  const at = (i: number): number => args[ARG + i]!;
  const C = at(4), H = at(5), W = at(6), k = at(7), stride = at(8), Ho = at(9), Wo = at(10), padTop = at(11), padLeft = at(12), Cout = at(13), B = at(14);
  switch (args[OP]) {
    case OP_CONV_FORWARD: {
      const { begin, end } = partRange(B, parts, p);
      wasm.conv2dForwardImages(at(0), at(1), at(2), at(3), C, H, W, k, stride, Ho, Wo, padTop, padLeft, Cout, begin, end);
      return;
    }
    case OP_CONV_WEIGHT_GRAD: {
      const { begin, end } = partRows(C * k * k, parts, p);
      wasm.conv2dWeightGradColumns(at(0), at(1), at(2), C, H, W, k, stride, Ho, Wo, padTop, padLeft, Cout, B, begin, end);
      return;
    }
    default: { // OP_CONV_INPUT_GRAD
      const { begin, end } = partRange(B, parts, p);
      wasm.conv2dInputGradImages(at(0), at(1), at(2), C, H, W, k, stride, Ho, Wo, padTop, padLeft, Cout, begin, end);
    }
  }
}

/** The chunks of part p of a chunked job over args[ARG] floats, each chunk's sum into its float64 slot. */
function runChunks(wasm: JobExports, block: JobBlock, parts: number, p: number): void {
  const n = block.args[ARG]!;
  const { begin, end } = partRange(chunkCount(n), parts, p);
  for (let c = begin; c < end; c++) {
    const from = c * SUM_CHUNK;
    block.floats[SUMS + c] = runChunk(wasm, block, 4 * from, Math.min(SUM_CHUNK, n - from));
  }
}

/** The floats [off/4, off/4 + len) of a chunked job: its kernel over them, pointers moved by `off` bytes; their sum (0 when the job sums nothing). */
function runChunk(wasm: JobExports, block: JobBlock, off: number, len: number): number {
  const { args, floats: f } = block;
  const p0 = args[ARG + 1]! + off, p1 = args[ARG + 2]! + off, p2 = args[ARG + 3]! + off, p3 = args[ARG + 4]! + off;
  // the optional 5th array (AMSGrad's vmax) is 0 when absent, as the kernels expect
  const p4 = args[ARG + 5] === 0 ? 0 : args[ARG + 5]! + off;
  const flag0 = args[ARG + 6]!, flag1 = args[ARG + 7]!;
  switch (args[OP]) {
    case OP_SUM_OF_SQUARES:
      return wasm.sumOfSquares(p0, len);
    case OP_SCALE:
      wasm.scaleInPlace(p0, len, f[0]!);
      return 0;
    case OP_SGD:
      return wasm.sgdStep(p0, p1, p2, len, f[0]!, f[1]!, f[2]!, flag0, f[3]!, flag1);
    case OP_ADAM:
      return wasm.adamStep(p0, p1, p2, p3, p4, len, f[0]!, f[1]!, f[2]!, f[3]!, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!);
    case OP_RADAM:
      return wasm.radamStep(p0, p1, p2, p3, len, f[0]!, flag0, f[1]!, f[2]!, f[3]!, f[4]!, f[5]!, f[6]!, f[7]!);
    default: // OP_SECOND_MOMENT
      wasm.secondMomentOnlyStep(p0, p1, p3, p4, len, f[0]!, f[1]!, f[2]!);
      return 0;
  }
}

/** Part p of a layer's job: a range of floats (ReLU, cut at multiples of 4), planes (pooling), images (bias) or channels (bias sums). */
function runLayerPart(wasm: JobExports, args: Uint32Array, parts: number, p: number): void {
  const at = (i: number): number => args[ARG + i]!;
  switch (args[OP]) {
    case OP_RELU_FORWARD: {
      const { begin, end } = partRows(at(0), parts, p);
      wasm.reluForward(at(1) + 4 * begin, at(2) + 4 * begin, end - begin);
      return;
    }
    case OP_RELU_BACKWARD: {
      const { begin, end } = partRows(at(0), parts, p);
      wasm.reluBackward(at(1) + 4 * begin, at(2) + 4 * begin, at(3) + 4 * begin, end - begin);
      return;
    }
    case OP_POOL_FORWARD: {
      const { begin, end } = partRange(at(3), parts, p); // planes
      wasm.maxPool2dForward(at(0), at(1), at(2), begin, end, at(4), at(5), at(6), at(7), at(8), at(9));
      return;
    }
    case OP_POOL_BACKWARD: {
      // planes: a window's input lies in its own plane, so parts write disjoint floats of dx
      const { begin, end } = partRange(at(3), parts, p), size = at(4);
      wasm.maxPool2dBackward(at(0), at(1) + 4 * begin * size, at(2) + 4 * begin * size, (end - begin) * size);
      return;
    }
    case OP_CHANNEL_BIAS: {
      const { begin, end } = partRange(at(2), parts, p); // images
      wasm.addChannelBias(at(0) + 4 * begin * at(3) * at(4), at(1), end - begin, at(3), at(4));
      return;
    }
    default: { // OP_CHANNEL_SUMS
      const { begin, end } = partRange(at(3), parts, p); // channels
      wasm.addChannelSums(at(0), at(1), at(2), at(3), at(4), begin, end);
    }
  }
}

/** Write a job's uint32 arguments from ARG on (byte offsets and sizes; at most ARGS), the slots after them 0. */
export function writeArgs(args: Uint32Array, ...values: number[]): void {
  if (values.length > ARGS) throw new Error(`kernel threads: a job of ${values.length} arguments (at most ${ARGS})`);
  for (let i = 0; i < ARGS; i++) args[ARG + i] = i < values.length ? values[i]! : 0;
}

/** Run a job written in `block` whole on the run thread (one part): what an unthreaded run, or a job too small to split, does. */
export function runAlone(wasm: JobExports, block: JobBlock, op: number): void {
  block.args[OP] = op;
  block.args[PARTS] = 1;
  runPart(wasm, block, 0);
}

/** Σ of the chunk sums a chunked job over n floats left in `block`, in chunk order (the fixed sum of src/optim/chunks.ts). */
export function chunkSums(block: JobBlock, n: number): number {
  let sum = 0;
  for (let c = 0, chunks = chunkCount(n); c < chunks; c++) sum += block.floats[SUMS + c]!;
  return sum;
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
