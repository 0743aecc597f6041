// One arena per run: parameters, gradients, optimizer state and activations are views into a single
// memory sized when the run is built. Nothing grows mid-run.
//
// Sizing is done by building twice: `Arena.build(fn, kernels)` runs the builder once against a
// measuring arena (plain allocations, sizes counted), then again against the real arena of exactly the
// measured size. Builders must therefore be deterministic (seed their RNGs inside `fn`), which they are
// by design.
//
// Layout of the real arena: [params | grads | everything else]. Parameters and gradients are each one
// contiguous Float32Array (`ParamSet.data` / `ParamSet.grad`) so an optimizer is one fused loop. The
// gradient region and every other buffer start on a 16-byte boundary (whole f32x4 vectors).
//
// The arena carries the run's kernels (`arena.kernels`), and the kernels make its memory: a plain
// ArrayBuffer for the JS kernels, the WebAssembly.Memory their instance imports for the wasm kernels
// (fixed size, so no view ever detaches). Layers and optimizers take the kernels from the arena when
// they are built; both passes of the builder see the same kernels object, only the real one runs.
import type { Kernels } from './kernels.js';

export interface ParamView {
  name: string;
  offset: number;
  shape: number[];
}

export interface ParamSet {
  data: Float32Array;
  grad: Float32Array;
  views: ParamView[];
}

/** A parameter tensor: its weights and its gradient, both views into the run's flat buffers. */
export interface Param {
  w: Float32Array;
  g: Float32Array;
}

/** n rounded up to whole f32x4 vectors. */
function align4(n: number): number {
  return (n + 3) & ~3;
}

export class Arena {
  /** Float32 slots used so far: params + grads + other buffers. */
  private paramCount = 0;
  private otherCount = 0;
  readonly views: ParamView[] = [];
  private readonly memory: ArrayBufferLike | null;
  /** The run's kernels: every hot loop over this arena's buffers runs through them. */
  readonly kernels: Kernels;
  private readonly paramTotal: number;
  /** Float32 offset of the region after params and grads. */
  private readonly otherStart: number;
  private readonly paramData: Float32Array;
  private readonly paramGrad: Float32Array;

  private constructor(paramTotal: number, otherTotal: number | null, kernels: Kernels) {
    this.paramTotal = paramTotal;
    const gradStart = align4(paramTotal);
    this.otherStart = gradStart + align4(paramTotal);
    this.kernels = kernels;
    if (otherTotal === null) {
      // Measuring pass: nothing is shared, just counted.
      this.memory = null;
      this.paramData = new Float32Array(0);
      this.paramGrad = new Float32Array(0);
    } else {
      const memory = kernels.memory((this.otherStart + otherTotal) * 4);
      this.memory = memory;
      this.paramData = new Float32Array(memory, 0, paramTotal);
      this.paramGrad = new Float32Array(memory, gradStart * 4, paramTotal);
    }
  }

  /**
   * Run `builder` twice (measure, then allocate exactly) and return its second result. The memory is
   * made by `kernels` (once: a wasm kernel instance serves one arena).
   */
  static build<T>(builder: (arena: Arena) => T, kernels: Kernels): { value: T; arena: Arena } {
    const measuring = new Arena(0, null, kernels);
    builder(measuring);
    const arena = new Arena(measuring.paramCount, measuring.otherCount, kernels);
    const value = builder(arena);
    if (arena.paramCount !== measuring.paramCount || arena.otherCount !== measuring.otherCount) {
      throw new Error('Arena.build: the builder is not deterministic (sizes differ between passes)');
    }
    return { value, arena };
  }

  get measuring(): boolean {
    return this.memory === null;
  }

  /** Bytes held by the arena (0 while measuring). */
  get byteLength(): number {
    return this.memory ? this.memory.byteLength : 0;
  }

  /** Declare a parameter tensor of `shape`; returns its weight and gradient views (zero-filled). */
  param(name: string, shape: number[]): Param {
    const n = shape.reduce((a, b) => a * b, 1);
    const offset = this.paramCount;
    this.paramCount += n;
    this.views.push({ name, offset, shape: [...shape] });
    if (this.memory === null) return { w: new Float32Array(n), g: new Float32Array(n) };
    if (this.paramCount > this.paramTotal) throw new Error('Arena: parameter region overflow');
    return { w: this.paramData.subarray(offset, offset + n), g: this.paramGrad.subarray(offset, offset + n) };
  }

  /** A float32 buffer for activations, scratch or optimizer state (zero-filled). */
  floats(n: number): Float32Array {
    const offset = this.otherCount;
    this.otherCount += align4(n);
    if (this.memory === null) return new Float32Array(n);
    return new Float32Array(this.memory, (this.otherStart + offset) * 4, n);
  }

  /** An int32 buffer (token ids, labels) carved from the same memory. */
  ints(n: number): Int32Array {
    const offset = this.otherCount;
    this.otherCount += align4(n);
    if (this.memory === null) return new Int32Array(n);
    return new Int32Array(this.memory, (this.otherStart + offset) * 4, n);
  }

  /**
   * The model's parameters and gradients as two flat buffers plus named views. Ask for it after
   * declaring every parameter. While measuring, the buffers are scratch of the size declared so far.
   */
  get params(): ParamSet {
    if (this.memory === null) {
      return { data: new Float32Array(this.paramCount), grad: new Float32Array(this.paramCount), views: this.views };
    }
    return { data: this.paramData, grad: this.paramGrad, views: this.views };
  }
}
