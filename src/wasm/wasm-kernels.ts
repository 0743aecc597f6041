// The WebAssembly SIMD kernels seen from TypeScript: loading kernels.wasm and `WasmKernels`, the wasm
// implementation of src/nn/kernels.ts's `Kernels`. It takes the same arguments as the JS kernels and
// passes byte offsets (and the scalars objects unpacked) to the module's exports. kernels.wasm is
// compiled from src/wasm/assembly by AssemblyScript's `asc` (`npm run build:wasm`, part of
// build/prepare; options in asconfig.json) into dist/src/wasm/, beside this file's compiled JS; it is a
// build product, never committed, and the package runs from dist/.
//
// The module has no memory of its own (no data segments, no heap, no stack in memory): it imports
// the run's memory, which `WasmKernels.memory` makes when the arena is built, so the JS views and the
// wasm kernels read and write the same floats. One instance serves one arena, and every array handed
// to it must be a view of that memory (asserted: anything else is a bug).
//
// The memory is shared (a SharedArrayBuffer; asconfig.json declares the import shared, with the
// largest maximum, so any run's fixed size fits): with threads > 1 the run's large products, conv
// layers, optimizer steps, gradient norm and other layers (ReLU, pooling, channel bias) are split
// across helper threads with their own instances over the same memory (./threads.ts, ./jobs.ts), and
// an unthreaded run takes the same module. Shared or not, the kernels run at the same speed (measured).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AdamScalars, Kernels, RAdamScalars, SecondMomentScalars, SgdScalars } from '../nn/kernels.js';
import { colsFloats, type Conv2dBuffers, type Conv2dGeometry, type Conv2dParams } from '../nn/conv2d.js';
import type { LstmBuffers, LstmParams, LstmTokens } from '../nn/lstm.js';
import type { MaxPool2dBuffers } from '../nn/maxpool2d.js';
import {
  chunkSums, convParts, CONTROL_SLOTS, floatParts, floatSlots, jobBlock, matmulParts, MIN_SPLIT_FLOATS, OP_ADAM, OP_CHANNEL_BIAS, OP_CHANNEL_SUMS,
  OP_CONV_FORWARD, OP_CONV_INPUT_GRAD, OP_CONV_WEIGHT_GRAD, OP_MATMUL, OP_POOL_BACKWARD, OP_POOL_FORWARD, OP_RADAM, OP_RELU_BACKWARD, OP_RELU_FORWARD,
  OP_SCALE, OP_SECOND_MOMENT, OP_SGD, OP_SUM_OF_SQUARES, regionBytes, regionOf, runAlone, SCRATCH_BYTES, writeArgs, writeConvLayer, writeMatmul, type JobBlock, type JobExports,
} from './jobs.js';
import { chunkCount } from '../optim/chunks.js';
import { KernelThreads } from './threads.js';
import type { AttentionBuffers } from '../nn/attention.js';

interface Exports extends JobExports {
  matmul(c: number, a: number, b: number, M: number, N: number, K: number, transA: number, transB: number, accumulate: number): void;
  im2col(cols: number, x: number, C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number): void;
  col2im(dx: number, dcols: number, C: number, H: number, W: number, k: number, stride: number, Ho: number, Wo: number, padTop: number, padLeft: number): void;
  lstmForward(gates: number, c: number, tanhC: number, h: number, x: number, wih: number, whh: number, bias: number, T: number, B: number, In: number, H: number): void;
  lstmBackward(
    gates: number, c: number, tanhC: number, h: number, dh: number, dgates: number, dcNext: number,
    x: number, dx: number, wih: number, whh: number, dwih: number, dwhh: number, dbias: number,
    gateStrips: number, panel: number, panelFloats: number, T: number, B: number, In: number, H: number,
  ): void;
  matmulRows(c: number, a: number, b: number, M: number, N: number, K: number, transA: number, transB: number, accumulate: number, rowBegin: number, rowEnd: number): void;
  setScratch(at: number, bytes: number): void;
  // the transformer's and the MLP's layers
  tanhForward(out: number, inp: number, n: number): void;
  tanhBackward(dinp: number, dout: number, out: number, n: number): void;
  geluForward(out: number, inp: number, n: number): void;
  geluBackward(dinp: number, dout: number, inp: number, n: number): void;
  geluForwardSaving(out: number, inp: number, n: number, saved: number): void;
  geluBackwardSaved(dinp: number, dout: number, inp: number, n: number, saved: number): void;
  layernormForward(out: number, mean: number, rstd: number, inp: number, weight: number, bias: number, N: number, C: number): void;
  layernormBackward(dinp: number, dweight: number, dbias: number, dout: number, inp: number, weight: number, mean: number, rstd: number, N: number, C: number): void;
  residualForward(out: number, a: number, b: number, n: number): void;
  residualBackward(da: number, db: number, dout: number, n: number): void;
  attentionForward(out: number, att: number, scratch: number, qkv: number, B: number, T: number, C: number, NH: number): void;
  attentionBackward(dqkv: number, att: number, datt: number, scratch: number, dout: number, qkv: number, B: number, T: number, C: number, NH: number): void;
  // The LSTM's first layer fed from token ids, and its embedding's backward.
  lstmForwardTokens(
    gates: number, c: number, tanhC: number, h: number,
    x: number, ids: number, table: number, V: number, padded: number, projected: number,
    wih: number, whh: number, bias: number, T: number, B: number, In: number, H: number,
  ): void;
  embeddingForward(out: number, ids: number, table: number, N: number, C: number, accumulate: number): void;
  embeddingBackward(dtable: number, dout: number, ids: number, N: number, C: number): void;
  // the classifier head's loss
  softmaxCrossEntropyForward(probs: number, logits: number, targets: number, N: number, V: number): number;
  softmaxCrossEntropyBackward(dlogits: number, probs: number, targets: number, N: number, V: number, scale: number): void;
  countCorrect(logits: number, targets: number, N: number, V: number): number;
  fillZero(x: number, n: number): void;
}

// The part of the WebAssembly JS API used here. TypeScript declares WebAssembly only in its DOM
// libs, which this Node project does not load; typing it locally keeps it out of the public types.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => { readonly buffer: SharedArrayBuffer };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Bytes per page of WebAssembly memory. */
export const WASM_PAGE = 65536;

// Where the build puts the module: beside this file's compiled JS (dist/src/wasm/).
const WASM_FILE = fileURLToPath(new URL('./kernels.wasm', import.meta.url));

/** The compiled module (immutable, shared by every instance in this thread), or why there is none. */
let compiled: object | string | undefined;

function compiledModule(): object | string {
  if (compiled !== undefined) return compiled;
  if (!existsSync(WASM_FILE)) return (compiled = 'kernels.wasm is not built (run `npm run build`)');
  try {
    compiled = new wasmApi.Module(readFileSync(WASM_FILE));
  } catch (err) {
    // A runtime without WebAssembly SIMD rejects the module at compile time.
    compiled = `this runtime cannot compile the SIMD kernels (${(err as Error).message})`;
  }
  return compiled;
}

/** Why the wasm kernels cannot run here, or undefined when they can. */
export function wasmUnavailableReason(): string | undefined {
  const m = compiledModule();
  return typeof m === 'string' ? m : undefined;
}

/**
 * The wasm kernels: one instance per run, bound to the run's memory when its arena makes it. With
 * `threads` > 1 the jobs worth splitting run on that many threads (./threads.ts), bit-identical
 * to one thread; `dispose` ends the helper threads when the run ends.
 */
export class WasmKernels implements Kernels {
  /** The run's memory (null until `memory` made it). It never grows, so it never detaches. */
  private buffer: SharedArrayBuffer | null = null;
  private exports: Exports | null = null;
  /** The helper threads (threads > 1, from `memory` until `dispose`). */
  private helpers: KernelThreads | null = null;
  /** Where jobs other than products are written (the helpers' control block, or this thread's own). */
  private block: JobBlock | null = null;
  /** Resolves once the helper threads have exited (after `dispose`); at once when there are none. */
  helpersExited: Promise<void> = Promise.resolve();
  /** Jobs (products, conv layer passes, steps, norms, other layers) split across the threads so far: what tests and benchmarks check that threads were used. */
  splitJobs = 0;
  /** Floats of each thread's conv lane: the most a layer asked for (reserveThreadScratch). */
  private laneFloats = 0;

  /**
   * `stallMinMs`: the helpers' watchdog (./threads.ts STALL_MIN_MS), shorter only in tests;
   * `minSplitFloats`: the size from which steps and layers split (./jobs.ts MIN_SPLIT_FLOATS), smaller only in tests of the split at edge sizes.
   */
  constructor(readonly threads = 1, private readonly stallMinMs?: number, private readonly minSplitFloats = MIN_SPLIT_FLOATS) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`WasmKernels: threads must be a positive integer, got ${threads}`);
  }

  /** Each thread's conv lane holds at least `floats` floats (asked while the arena is measured, before `memory`). */
  reserveThreadScratch(floats: number): void {
    if (floats <= this.laneFloats) return;
    if (this.buffer !== null) throw new Error(`WasmKernels: ${floats} floats of thread scratch asked for after the memory was made with ${this.laneFloats}`);
    this.laneFloats = floats;
  }

  /** Bytes of each thread's conv lane: laneFloats rounded up to whole f32x4 vectors. */
  private get laneBytes(): number {
    return 4 * (Math.ceil(this.laneFloats / 4) * 4);
  }

  /**
   * A fixed shared memory (initial = maximum pages) of `bytes` for the arena and, past it, each
   * thread's region (./jobs.ts regionOf: packing scratch and conv lane); this instance's module over
   * it, and the helper threads.
   */
  memory(bytes: number): SharedArrayBuffer {
    if (this.buffer !== null) throw new Error('WasmKernels: one instance serves one arena');
    const module = compiledModule();
    if (typeof module === 'string') throw new Error(`wasm kernels unavailable: ${module}`);
    const pages = Math.ceil(bytes / WASM_PAGE) + Math.ceil((this.threads * regionBytes(this.laneBytes)) / WASM_PAGE);
    const memory = new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
    this.exports = new wasmApi.Instance(module, { env: { memory } }).exports as Exports;
    this.buffer = memory.buffer;
    const region = regionOf(this.buffer.byteLength, 0, this.laneBytes);
    this.exports.setScratch(region.scratch, SCRATCH_BYTES);
    this.exports.setConvLane(region.lane);
    if (this.threads > 1) {
      this.helpers = new KernelThreads(module, memory, this.threads, this.laneBytes, this.stallMinMs);
      this.helpersExited = this.helpers.exited;
      this.block = this.helpers.block;
    } else {
      this.block = jobBlock(new ArrayBuffer(4 * CONTROL_SLOTS), new ArrayBuffer(8 * floatSlots(memory.buffer.byteLength)));
    }
    return this.buffer;
  }

  /** End the helper threads; the kernels go on working on the run thread alone. */
  dispose(): void {
    this.helpers?.dispose();
    this.helpers = null;
  }

  /** The module's exports, which exist once `memory` has made the memory. */
  private get k(): Exports {
    if (this.exports === null) throw new Error('WasmKernels: no memory yet (build the arena first)');
    return this.exports;
  }

  /** x's byte offset in the run's memory. A view of any other memory is a bug: the kernel would read unrelated floats. */
  private at(x: Float32Array | Int32Array): number {
    if (x.buffer !== this.buffer) throw new Error("WasmKernels: an array outside the run's memory");
    return x.byteOffset;
  }

  matmul(
    c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number,
    transA: boolean, transB: boolean, accumulate: boolean, cOff = 0, aOff = 0, bOff = 0,
  ): void {
    const pc = this.at(c) + 4 * cOff, pa = this.at(a) + 4 * aOff, pb = this.at(b) + 4 * bOff;
    const parts = this.helpers === null ? 1 : matmulParts(M, N, K, this.threads);
    if (parts === 1) {
      this.k.matmul(pc, pa, pb, M, N, K, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0);
      return;
    }
    writeMatmul(this.jobs.args, pc, pa, pb, M, N, K, transA, transB, accumulate);
    this.split(OP_MATMUL, parts);
  }

  /**
   * Run job `op`, its arguments written (writeMatmul, writeConvLayer), in `parts` parts on the threads. A
   * failed job (a helper's exception, or a helper gone) ends the threads: the error goes up and ends the
   * run, and anything that goes on with these kernels runs on the run thread alone.
   */
  private split(op: number, parts: number): void {
    try {
      this.helpers!.run(op, parts, this.k);
    } catch (err) {
      this.dispose();
      throw err;
    }
    this.splitJobs++;
  }

  /** The job block (exists once `memory` has made the memory). */
  private get jobs(): JobBlock {
    if (this.block === null) throw new Error('WasmKernels: no memory yet (build the arena first)');
    return this.block;
  }

  /** How many parts a job over `floats` floats, splittable into `units`, runs in here (1: too small, or no helpers). */
  private parts(floats: number, units: number): number {
    return this.helpers === null ? 1 : floatParts(floats, units, this.threads, this.minSplitFloats);
  }

  /** Run job `op`, written into the job block, in `parts` parts: on this thread alone when 1. */
  private runJob(op: number, parts: number): void {
    if (parts === 1) runAlone(this.k, this.jobs, op);
    else this.split(op, parts);
  }

  /**
   * Run chunked job `op` over n floats (written into the job block) and return its chunks' sums added
   * in order. `cost`: its time per float relative to an optimizer step's (Σx² takes ~1/4: it splits from 4× as many floats).
   */
  private chunked(op: number, n: number, cost = 1): number {
    this.runJob(op, this.parts(n * cost, chunkCount(n)));
    return chunkSums(this.jobs, n);
  }

  /**
   * One job over the batch: parts of images, each thread unrolling into its own conv lane (./jobs.ts
   * runConvPart), instead of an im2col and a product handed out per image. buf.cols is not used.
   */
  conv2dForward(buf: Conv2dBuffers, p: Conv2dParams, x: Float32Array): void {
    const { g, B } = buf;
    this.checkLane(g);
    writeConvLayer(this.jobs.args, this.at(buf.out), this.at(p.weight.w), this.at(p.bias.w), this.at(x), g, B);
    this.runJob(OP_CONV_FORWARD, this.convParts(g, B, B));
  }

  /** The bias gradient (split by channels), then dW by blocks of 4 of its columns, then dx by images. */
  conv2dBackward(buf: Conv2dBuffers, p: Conv2dParams, x: Float32Array, dx: Float32Array | null): void {
    const { g, B, dout } = buf;
    this.checkLane(g);
    this.addChannelSums(p.bias.g, dout, B, g.Cout, g.Ho * g.Wo);
    writeConvLayer(this.jobs.args, this.at(p.weight.g), this.at(dout), this.at(x), 0, g, B);
    this.runJob(OP_CONV_WEIGHT_GRAD, this.convParts(g, B, Math.ceil((g.C * g.k * g.k) / 4)));
    if (dx === null) return;
    writeConvLayer(this.jobs.args, this.at(dx), this.at(p.weight.w), this.at(dout), 0, g, B);
    this.runJob(OP_CONV_INPUT_GRAD, this.convParts(g, B, B));
  }

  /** How many parts a conv layer's pass over B images, splittable into `units`, runs in here. */
  private convParts(g: Conv2dGeometry, B: number, units: number): number {
    return this.helpers === null ? 1 : convParts(g, B, units, this.threads);
  }

  /** A layer's cols fit each thread's conv lane (conv2dBuffers reserved it; a layer that did not would overrun the lane). */
  private checkLane(g: Conv2dGeometry): void {
    if (colsFloats(g) > this.laneFloats) throw new Error(`WasmKernels: a conv layer needs ${colsFloats(g)} floats of thread scratch, ${this.laneFloats} reserved (build its buffers with conv2dBuffers)`);
  }

  im2col(cols: Float32Array, x: Float32Array, xOff: number, g: Conv2dGeometry): void {
    this.k.im2col(this.at(cols), this.at(x) + 4 * xOff, g.C, g.H, g.W, g.k, g.stride, g.Ho, g.Wo, g.padTop, g.padLeft);
  }

  col2im(dx: Float32Array, dxOff: number, dcols: Float32Array, g: Conv2dGeometry): void {
    this.k.col2im(this.at(dx) + 4 * dxOff, this.at(dcols), g.C, g.H, g.W, g.k, g.stride, g.Ho, g.Wo, g.padTop, g.padLeft);
  }

  addChannelBias(out: Float32Array, bias: Float32Array, B: number, C: number, plane: number): void {
    writeArgs(this.jobs.args, this.at(out), this.at(bias), B, C, plane);
    this.runJob(OP_CHANNEL_BIAS, this.parts(B * C * plane, B));
  }

  addChannelSums(dbias: Float32Array, dout: Float32Array, B: number, C: number, plane: number): void {
    writeArgs(this.jobs.args, this.at(dbias), this.at(dout), B, C, plane);
    this.runJob(OP_CHANNEL_SUMS, this.parts(B * C * plane, C));
  }

  reluForward(out: Float32Array, inp: Float32Array, n: number): void {
    writeArgs(this.jobs.args, n, this.at(out), this.at(inp));
    this.runJob(OP_RELU_FORWARD, this.parts(n, Math.ceil(n / 4)));
  }

  reluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, n: number): void {
    writeArgs(this.jobs.args, n, this.at(dinp), this.at(dout), this.at(inp));
    this.runJob(OP_RELU_BACKWARD, this.parts(n, Math.ceil(n / 4)));
  }

  maxPool2dForward(buf: MaxPool2dBuffers, x: Float32Array): void {
    const planes = buf.B * buf.C;
    writeArgs(this.jobs.args, this.at(buf.out), this.at(buf.argmax), this.at(x), planes, buf.H, buf.W, buf.k, buf.stride, buf.Ho, buf.Wo);
    this.runJob(OP_POOL_FORWARD, this.parts(planes * buf.H * buf.W, planes));
  }

  maxPool2dBackward(buf: MaxPool2dBuffers, dx: Float32Array): void {
    const planes = buf.B * buf.C, size = buf.Ho * buf.Wo;
    if (planes * size !== buf.dout.length) throw new Error('WasmKernels: maxPool2dBackward: dout is not B·C planes of Ho×Wo');
    writeArgs(this.jobs.args, this.at(dx), this.at(buf.dout), this.at(buf.argmax), planes, size);
    this.runJob(OP_POOL_BACKWARD, this.parts(planes * buf.H * buf.W, planes));
  }

  lstmForward(buf: LstmBuffers, p: LstmParams, x: Float32Array): void {
    this.k.lstmForward(
      this.at(buf.gates), this.at(buf.c), this.at(buf.tanhC), this.at(buf.h),
      this.at(x), this.at(p.wih.w), this.at(p.whh.w), this.at(p.bias.w),
      buf.T, buf.B, buf.In, buf.H,
    );
  }

  lstmBackward(buf: LstmBuffers, p: LstmParams, x: Float32Array, dx: Float32Array | null): void {
    this.k.lstmBackward(
      this.at(buf.gates), this.at(buf.c), this.at(buf.tanhC), this.at(buf.h), this.at(buf.dh), this.at(buf.dgates), this.at(buf.dcNext),
      this.at(x), dx === null ? 0 : this.at(dx), this.at(p.wih.w), this.at(p.whh.w), this.at(p.wih.g), this.at(p.whh.g), this.at(p.bias.g),
      this.at(buf.gateStrips), this.at(buf.panel), buf.panel.length, buf.T, buf.B, buf.In, buf.H,
    );
  }

  // The optimizer steps and the norm's Σx² are chunked jobs (src/optim/chunks.ts): the same sums for any thread count.
  sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, n: number, s: SgdScalars): number {
    const { args, floats } = this.jobs;
    writeArgs(args, n, this.at(p), this.at(g), this.at(buf), 0, 0, s.nesterov ? 1 : 0, s.firstStep ? 1 : 0);
    floats[0] = s.lr;
    floats[1] = s.momentum;
    floats[2] = 1 - s.dampening;
    floats[3] = s.weightDecay;
    return this.chunked(OP_SGD, n);
  }

  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, s: AdamScalars): number {
    const { args, floats } = this.jobs;
    writeArgs(args, n, this.at(p), this.at(g), this.at(m), this.at(v), vmax === null ? 0 : this.at(vmax));
    floats[0] = s.stepSize;
    this.moments(s.beta1, s.beta2);
    floats[5] = s.biasCorrection2Sqrt;
    floats[6] = s.eps;
    floats[7] = s.l2;
    floats[8] = s.decayFactor;
    return this.chunked(OP_ADAM, n);
  }

  /** floats[1…4] = β₁, 1 − β₁, β₂, 1 − β₂ (the differences in float64: see src/wasm/assembly/optim.ts). */
  private moments(beta1: number, beta2: number): void {
    const { floats } = this.jobs;
    floats[1] = beta1;
    floats[2] = 1 - beta1;
    floats[3] = beta2;
    floats[4] = 1 - beta2;
  }

  secondMomentOnlyStep(p: Float32Array, g: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, s: SecondMomentScalars): void {
    const { args, floats } = this.jobs;
    writeArgs(args, n, this.at(p), this.at(g), 0, this.at(v), vmax === null ? 0 : this.at(vmax));
    floats[0] = s.beta2;
    floats[1] = 1 - s.beta2;
    floats[2] = s.l2;
    this.chunked(OP_SECOND_MOMENT, n);
  }

  radamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: RAdamScalars): number {
    const { args, floats } = this.jobs;
    writeArgs(args, n, this.at(p), this.at(g), this.at(m), this.at(v), 0, s.rectified ? 1 : 0);
    floats[0] = s.stepSize;
    this.moments(s.beta1, s.beta2);
    floats[5] = s.eps;
    floats[6] = s.l2;
    floats[7] = s.decayFactor;
    return this.chunked(OP_RADAM, n);
  }

  sumOfSquares(x: Float32Array, n: number): number {
    writeArgs(this.jobs.args, n, this.at(x));
    return this.chunked(OP_SUM_OF_SQUARES, n, 1 / 4);
  }

  scaleInPlace(x: Float32Array, n: number, factor: number): void {
    writeArgs(this.jobs.args, n, this.at(x));
    this.jobs.floats[0] = factor;
    this.chunked(OP_SCALE, n);
  }

  // the transformer's and the MLP's layers
  tanhForward(out: Float32Array, inp: Float32Array, n: number): void {
    this.k.tanhForward(this.at(out), this.at(inp), n);
  }

  tanhBackward(dinp: Float32Array, dout: Float32Array, out: Float32Array, n: number): void {
    this.k.tanhBackward(this.at(dinp), this.at(dout), this.at(out), n);
  }

  geluForward(out: Float32Array, inp: Float32Array, n: number, saved: Float32Array | null): void {
    if (saved === null) this.k.geluForward(this.at(out), this.at(inp), n);
    else this.k.geluForwardSaving(this.at(out), this.at(inp), n, this.at(savedFor(saved, n)));
  }

  geluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, n: number, saved: Float32Array | null): void {
    if (saved === null) this.k.geluBackward(this.at(dinp), this.at(dout), this.at(inp), n);
    else this.k.geluBackwardSaved(this.at(dinp), this.at(dout), this.at(inp), n, this.at(savedFor(saved, n)));
  }

  layernormForward(out: Float32Array, mean: Float32Array, rstd: Float32Array, inp: Float32Array, weight: Float32Array, bias: Float32Array, N: number, C: number): void {
    this.k.layernormForward(this.at(out), this.at(mean), this.at(rstd), this.at(inp), this.at(weight), this.at(bias), N, C);
  }

  layernormBackward(
    dinp: Float32Array, dweight: Float32Array, dbias: Float32Array, dout: Float32Array, inp: Float32Array,
    weight: Float32Array, mean: Float32Array, rstd: Float32Array, N: number, C: number,
  ): void {
    this.k.layernormBackward(
      this.at(dinp), this.at(dweight), this.at(dbias), this.at(dout), this.at(inp),
      this.at(weight), this.at(mean), this.at(rstd), N, C,
    );
  }

  residualForward(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void {
    this.k.residualForward(this.at(out), this.at(a), this.at(b), n);
  }

  residualBackward(da: Float32Array, db: Float32Array, dout: Float32Array, n: number): void {
    this.k.residualBackward(this.at(da), this.at(db), this.at(dout), n);
  }

  attentionForward(buf: AttentionBuffers, out: Float32Array, qkv: Float32Array): void {
    this.k.attentionForward(this.at(out), this.at(buf.att), this.at(buf.scratch), this.at(qkv), buf.B, buf.T, buf.C, buf.NH);
  }

  attentionBackward(buf: AttentionBuffers, dqkv: Float32Array, dout: Float32Array, qkv: Float32Array): void {
    const { att, datt, scratch, B, T, C, NH } = buf;
    this.k.attentionBackward(this.at(dqkv), this.at(att), this.at(datt), this.at(scratch), this.at(dout), this.at(qkv), B, T, C, NH);
  }

  // The LSTM's first layer fed from token ids, and its embedding's backward.
  lstmForwardTokens(buf: LstmBuffers, p: LstmParams, x: Float32Array, tokens: LstmTokens): void {
    this.k.lstmForwardTokens(
      this.at(buf.gates), this.at(buf.c), this.at(buf.tanhC), this.at(buf.h),
      this.at(x), this.at(tokens.ids), this.at(tokens.table), tokens.V, this.at(tokens.padded), this.at(tokens.projected),
      this.at(p.wih.w), this.at(p.whh.w), this.at(p.bias.w), buf.T, buf.B, buf.In, buf.H,
    );
  }

  embeddingForward(out: Float32Array, ids: Int32Array, table: Float32Array, N: number, C: number, accumulate: boolean): void {
    this.k.embeddingForward(this.at(out), this.at(ids), this.at(table), N, C, accumulate ? 1 : 0);
  }

  embeddingBackward(dtable: Float32Array, dout: Float32Array, ids: Int32Array, N: number, C: number): void {
    this.k.embeddingBackward(this.at(dtable), this.at(dout), this.at(ids), N, C);
  }

  // the classifier head's loss
  softmaxCrossEntropyForward(probs: Float32Array, logits: Float32Array, targets: Int32Array, N: number, V: number): number {
    return this.k.softmaxCrossEntropyForward(this.at(probs), this.at(logits), this.at(targets), N, V);
  }

  softmaxCrossEntropyBackward(dlogits: Float32Array, probs: Float32Array, targets: Int32Array, N: number, V: number, scale: number): void {
    this.k.softmaxCrossEntropyBackward(this.at(dlogits), this.at(probs), this.at(targets), N, V, scale);
  }

  countCorrect(logits: Float32Array, targets: Int32Array, N: number, V: number): number {
    return this.k.countCorrect(this.at(logits), this.at(targets), N, V);
  }

  fillZero(x: Float32Array, n: number): void {
    if (n > x.length) throw new Error(`WasmKernels.fillZero: ${n} floats past a view of ${x.length}`);
    this.k.fillZero(this.at(x), n);
  }
}

/** GELU's saved buffer, which must hold n floats (a shorter one would let the kernel write past it). */
function savedFor(saved: Float32Array, n: number): Float32Array {
  if (saved.length < n) throw new Error(`WasmKernels: GELU's saved buffer holds ${saved.length} floats, ${n} needed`);
  return saved;
}
