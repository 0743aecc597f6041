// Our implementations under test. Each is one column in every table of `npm run bench` (and one
// ratio against the memory baseline and each peer): 'js', the plain TypeScript kernels in src/, and
// 'wasm', the WebAssembly SIMD kernels of src/wasm (issue 6). Both run the same code paths of src/;
// they differ only in the kernels their arena is built with (src/nn/kernels.ts), which every layer and
// optimizer of the run calls.
import { Arena } from '../src/nn/arena.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import { buildTask } from '../src/models/build.js';
import type { ModelSpec } from '../src/config/models.js';
import type { DataSpec } from '../src/config/data.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import type { ParamView } from '../src/nn/arena.js';
import { Rng } from '../src/base/rng.js';
import type { MatmulShape } from './workloads.js';
import { createKernels, type KernelSet } from '../src/wasm/kernels.js';
import { wasmUnavailableReason } from '../src/wasm/wasm-kernels.js';

/** `run(iterations)` repeats the measured thing; built once, allocation-free when run. */
export type Repeat = (iterations: number) => void;

export interface TrainingRun {
  run: Repeat;
  params: number;
  views: ParamView[];
  /** Loss of the last step run (a sanity check: a diverged run would time NaN arithmetic). */
  lastLoss(): number;
}

export interface Kernels {
  readonly name: string;
  /** Calls of matmul at one shape on pseudo-random operands (buffers allocated where the kernel needs them). */
  matmulCalls(s: MatmulShape): Repeat;
  /** Optimizer steps on n parameters with fixed pseudo-random θ and g, from step `firstStep` on. */
  optimizerSteps(spec: NamedOptimizer, n: number, firstStep: number): Repeat;
  /** Training steps of a model as the train loop runs them: trainStep (data, forward, backward) + optimizer step. */
  trainingSteps(model: ModelSpec, data: DataSpec | undefined, optimizer: NamedOptimizer, seed: number): TrainingRun;
}

function kernelsOf(set: KernelSet): Kernels {
  return {
    name: set,
    matmulCalls(s) {
      // Operands in an arena of this kernel set (a wasm memory for 'wasm'), as the layers have them.
      const { value, arena } = Arena.build((arena) => ({ a: arena.floats(s.M * s.K), b: arena.floats(s.K * s.N), c: arena.floats(s.M * s.N) }), createKernels(set));
      const { a, b, c } = value;
      const { kernels } = arena;
      fillNormal(a, 1, 'bench/matmul/a');
      fillNormal(b, 1, 'bench/matmul/b');
      return (iterations) => {
        for (let i = 0; i < iterations; i++) kernels.matmul(c, a, b, s.M, s.N, s.K, s.transA, s.transB, s.accumulate);
        // Accumulating calls grow C without bound: keep it finite over long runs.
        if (s.accumulate) c.fill(0);
      };
    },
    optimizerSteps(spec, n, firstStep) {
      const { value } = Arena.build((arena) => {
        arena.param('theta', [n]);
        const { data, grad } = arena.params;
        return { p: data, g: grad, optimizer: createOptimizer(spec, n, arena) };
      }, createKernels(set));
      const { p, g, optimizer } = value;
      fillNormal(p, 1, 'bench/theta');
      fillNormal(g, 1, 'bench/grad');
      let t = firstStep;
      return (iterations) => {
        for (let i = 0; i < iterations; i++) optimizer.step(p, g, t++, spec.lr);
      };
    },
    trainingSteps(model, data, spec, seed) {
      const { value, arena } = Arena.build((arena) => {
        const task = buildTask(model, data, arena, seed);
        return { task, optimizer: createOptimizer(spec, task.params.data.length, arena) };
      }, createKernels(set));
      const { task, optimizer } = value;
      const { data: p, grad: g } = task.params;
      let t = 1;
      let loss = NaN;
      return {
        params: p.length,
        views: arena.views,
        lastLoss: () => loss,
        run(iterations) {
          for (let i = 0; i < iterations; i++, t++) {
            loss = task.trainStep(t).loss;
            optimizer.step(p, g, t, spec.lr);
          }
        },
      };
    },
  };
}

/** Every implementation, in column order (wasm where this runtime can run it). */
export const KERNELS: Kernels[] = [kernelsOf('js'), ...(wasmUnavailableReason() === undefined ? [kernelsOf('wasm')] : [])];

export function fillNormal(x: Float32Array, scale: number, purpose: string): void {
  const rng = new Rng(0, purpose);
  for (let i = 0; i < x.length; i++) x[i] = scale * rng.normal();
}
