// The WebAssembly SIMD kernels seen from TypeScript: loading kernels.wasm, one instance per run over
// the run's arena memory, and typed wrappers that take the same Float32Array arguments as the TS
// kernels and pass their byte offsets. kernels.wasm is compiled from src/wasm/assembly by
// AssemblyScript's `asc` (`npm run build:wasm`, part of build/prepare; options in asconfig.json) into
// dist/src/wasm/, beside this file's compiled JS; it is a build product, never committed.
//
// The module has no memory of its own (no data segments, no heap, no stack in memory): it imports
// the arena's `WebAssembly.Memory`, so the whole memory is the arena and the JS views and the wasm
// kernels read and write the same floats. Every array given to a wrapper must be a view of this
// instance's memory (`holds`); callers check that and otherwise run the TS kernel.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const KERNEL_SETS = ['js', 'wasm'] as const;
/** Which implementation a run's kernels use: the plain TS reference or the wasm SIMD kernels. */
export type KernelSet = (typeof KERNEL_SETS)[number];

interface Exports {
  sgdStep(p: number, g: number, buf: number, n: number, lr: number, momentum: number, keep: number, nesterov: number, weightDecay: number, firstStep: number): number;
  adamStep(p: number, g: number, m: number, v: number, vmax: number, n: number, stepSize: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, biasCorrection2Sqrt: number, eps: number, l2: number, decayFactor: number): number;
  secondMomentOnlyStep(p: number, g: number, v: number, vmax: number, n: number, beta2: number, oneMinusBeta2: number, l2: number): void;
  radamStep(p: number, g: number, m: number, v: number, n: number, stepSize: number, rectified: number, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, eps: number, l2: number, decayFactor: number): number;
  matmul(c: number, a: number, b: number, M: number, N: number, K: number, transA: number, transB: number, accumulate: number): void;
  lstmForward(gates: number, c: number, tanhC: number, h: number, x: number, wih: number, whh: number, bias: number, T: number, B: number, In: number, H: number): void;
  lstmBackward(
    gates: number, c: number, tanhC: number, h: number, dh: number, dgates: number, dcNext: number,
    x: number, dx: number, wih: number, whh: number, dwih: number, dwhh: number, dbias: number,
    T: number, B: number, In: number, H: number,
  ): void;
}

// The part of the WebAssembly JS API used here. TypeScript declares WebAssembly only in its DOM
// libs, which this Node project does not load; typing it locally keeps it out of the public types.
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Bytes per page of WebAssembly memory. */
export const WASM_PAGE = 65536;

// Where the build puts the module: beside this file once compiled (dist/src/wasm/), or in dist/ when
// this file runs from source under a TypeScript runner.
const WASM_FILES = ['./kernels.wasm', '../../dist/src/wasm/kernels.wasm'];

/** The compiled module (immutable, shared by every instance in this thread), or why there is none. */
let compiled: object | string | undefined;

function compiledModule(): object | string {
  if (compiled !== undefined) return compiled;
  const file = WASM_FILES.map((f) => fileURLToPath(new URL(f, import.meta.url))).find((f) => existsSync(f));
  if (file === undefined) return (compiled = 'kernels.wasm is not built (run `npm run build`)');
  try {
    compiled = new wasmApi.Module(readFileSync(file));
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

/** The kernel set to use for a request: 'wasm' falls back to 'js' (with the reason) where SIMD is unavailable. */
export function resolveKernels(requested: KernelSet): { kernels: KernelSet; notice: string | undefined } {
  if (requested === 'js') return { kernels: 'js', notice: undefined };
  const reason = wasmUnavailableReason();
  return reason === undefined ? { kernels: 'wasm', notice: undefined } : { kernels: 'js', notice: `using the js kernels: ${reason}` };
}

// The instance serving each arena memory, so that a layer handed only Float32Arrays can find the
// kernels for them (src/nn/matmul.ts). Entries live as long as the run's memory does.
const byBuffer = new WeakMap<ArrayBufferLike, WasmKernels>();

/** The wasm kernels whose memory holds `x`, if any. */
export function wasmKernelsFor(x: Float32Array): WasmKernels | undefined {
  return byBuffer.get(x.buffer);
}

/** One kernel instance and the memory it imports: `pages` × 64 KiB, fixed (initial = maximum). */
export class WasmKernels {
  /** The memory's buffer. It never changes and never detaches, because the memory never grows. */
  readonly buffer: ArrayBuffer;
  private readonly k: Exports;

  constructor(pages: number) {
    const module = compiledModule();
    if (typeof module === 'string') throw new Error(`wasm kernels unavailable: ${module}`);
    const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
    this.buffer = memory.buffer;
    this.k = new wasmApi.Instance(module, { env: { memory } }).exports as Exports;
    byBuffer.set(this.buffer, this);
  }

  /** true when x is a view of this instance's memory. */
  holds(x: Float32Array): boolean {
    return x.buffer === this.buffer;
  }

  sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, n: number, lr: number, momentum: number, dampening: number, nesterov: boolean, weightDecay: number, firstStep: boolean): number {
    return this.k.sgdStep(p.byteOffset, g.byteOffset, buf.byteOffset, n, lr, momentum, 1 - dampening, nesterov ? 1 : 0, weightDecay, firstStep ? 1 : 0);
  }

  /** `vmax` null: no AMSGrad. */
  adamStep(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number,
    stepSize: number, beta1: number, beta2: number, biasCorrection2Sqrt: number, eps: number, l2: number, decayFactor: number,
  ): number {
    const vmaxAt = vmax === null ? 0 : vmax.byteOffset;
    return this.k.adamStep(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, vmaxAt, n, stepSize, beta1, 1 - beta1, beta2, 1 - beta2, biasCorrection2Sqrt, eps, l2, decayFactor);
  }

  secondMomentOnlyStep(p: Float32Array, g: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, beta2: number, l2: number): void {
    this.k.secondMomentOnlyStep(p.byteOffset, g.byteOffset, v.byteOffset, vmax === null ? 0 : vmax.byteOffset, n, beta2, 1 - beta2, l2);
  }

  radamStep(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number,
    stepSize: number, rectified: boolean, beta1: number, beta2: number, eps: number, l2: number, decayFactor: number,
  ): number {
    return this.k.radamStep(p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, n, stepSize, rectified ? 1 : 0, beta1, 1 - beta1, beta2, 1 - beta2, eps, l2, decayFactor);
  }

  /** src/nn/matmul.ts's `matmul`, element offsets included. */
  matmul(
    c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number,
    transA: boolean, transB: boolean, accumulate: boolean, cOff: number, aOff: number, bOff: number,
  ): void {
    this.k.matmul(c.byteOffset + 4 * cOff, a.byteOffset + 4 * aOff, b.byteOffset + 4 * bOff, M, N, K, transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0);
  }

  /** src/nn/lstm.ts's lstmForward over the layer's buffers (time-major, gate rows [i | f | g | o]). */
  lstmForward(
    gates: Float32Array, c: Float32Array, tanhC: Float32Array, h: Float32Array,
    x: Float32Array, wih: Float32Array, whh: Float32Array, bias: Float32Array,
    T: number, B: number, In: number, H: number,
  ): void {
    this.k.lstmForward(gates.byteOffset, c.byteOffset, tanhC.byteOffset, h.byteOffset, x.byteOffset, wih.byteOffset, whh.byteOffset, bias.byteOffset, T, B, In, H);
  }

  /** src/nn/lstm.ts's lstmBackward; `dx` null when the input needs no gradient. */
  lstmBackward(
    gates: Float32Array, c: Float32Array, tanhC: Float32Array, h: Float32Array, dh: Float32Array, dgates: Float32Array, dcNext: Float32Array,
    x: Float32Array, dx: Float32Array | null, wih: Float32Array, whh: Float32Array, dwih: Float32Array, dwhh: Float32Array, dbias: Float32Array,
    T: number, B: number, In: number, H: number,
  ): void {
    this.k.lstmBackward(
      gates.byteOffset, c.byteOffset, tanhC.byteOffset, h.byteOffset, dh.byteOffset, dgates.byteOffset, dcNext.byteOffset,
      x.byteOffset, dx === null ? 0 : dx.byteOffset, wih.byteOffset, whh.byteOffset, dwih.byteOffset, dwhh.byteOffset, dbias.byteOffset,
      T, B, In, H,
    );
  }
}
