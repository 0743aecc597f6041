// Our side of every comparison in `npm run bench`: the kernel sets under test ('js', the TypeScript
// reference, and 'wasm', the SIMD kernels of src/wasm) and the repeats the sections time, each built
// as a run builds it: kernels from createKernels (src/wasm/kernels.ts), training steps from buildRun.
import { Arena } from '../src/nn/arena.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import { Rng } from '../src/base/rng.js';
import { buildRun, trainingStep, type Run, type RunSpec } from '../src/train/train.js';
import { createKernels, type KernelSet } from '../src/wasm/kernels.js';
import { wasmUnavailableReason } from '../src/wasm/wasm-kernels.js';
import type { Repeat } from './measure.js';
import type { MatmulShape } from './workloads.js';

/** The kernel sets timed, in column order (wasm where this runtime can run it). */
export const KERNEL_SETS: KernelSet[] = wasmUnavailableReason() === undefined ? ['js', 'wasm'] : ['js'];

/** Calls of the kernel set's matmul at one shape, on pseudo-random operands in an arena of that set (a wasm memory for 'wasm'). */
export function matmulCalls(set: KernelSet, s: MatmulShape): Repeat {
  const build = (arena: Arena) => ({ a: arena.floats(s.M * s.K), b: arena.floats(s.K * s.N), c: arena.floats(s.M * s.N) });
  const { value, arena } = Arena.build(build, createKernels(set));
  const { a, b, c } = value;
  const { kernels } = arena;
  fillNormal(a, 1, 'bench/matmul/a');
  fillNormal(b, 1, 'bench/matmul/b');
  return (iterations) => {
    for (let i = 0; i < iterations; i++) kernels.matmul(c, a, b, s.M, s.N, s.K, s.transA, s.transB, s.accumulate);
    // Accumulating calls grow C without bound: keep it finite over long runs.
    if (s.accumulate) c.fill(0);
  };
}

/**
 * Optimizer steps alone on n parameters (fixed pseudo-random θ and g), from step `firstStep` on at the
 * spec's base lr: the optimizer and its kernel call as a run has them, without the model around them.
 */
export function optimizerSteps(set: KernelSet, spec: NamedOptimizer, n: number, firstStep: number): Repeat {
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
}

export interface TrainingRun {
  /** Steps t = 1, 2, … of the run, each `trainingStep` of src/train/train.ts; t goes on past spec.steps while timing. */
  run: Repeat;
  /** The run stepped: its task, arena, and `result`, the last step's StepResult. */
  built: Run;
  /** The first step that diverged while timing, and why (a diverged run would time NaN arithmetic). */
  divergence(): { step: number; reason: string } | undefined;
  /** End the run's kernels (its helper threads, when it has some), as train() does. */
  dispose(): void;
}

/** The training steps of `spec` exactly as train() runs them: buildRun once, then one trainingStep per step. */
export function trainingSteps(spec: RunSpec): TrainingRun {
  const built = buildRun(spec);
  let t = 1;
  let divergence: { step: number; reason: string } | undefined;
  return {
    built,
    divergence: () => divergence,
    dispose: () => built.kernels.dispose?.(),
    run(iterations) {
      for (let i = 0; i < iterations; i++, t++) {
        const { diverged } = trainingStep(built, t);
        if (diverged !== undefined && divergence === undefined) divergence = { step: t, reason: diverged };
      }
    },
  };
}

/** The RunSpec of one training run of `model` on `data` (the peers' workloads), as the planner writes one. */
export function benchRunSpec(model: RunSpec['model'], data: RunSpec['data'], optimizer: NamedOptimizer, kernels: KernelSet): RunSpec {
  // steps: the length the schedule is laid over (the peers' Adam has a constant lr, so any will do)
  return { run: `bench-${optimizer.name}`, seed: 0, optimizer, steps: 1000, logEvery: 1, model, data, eval: undefined, kernels };
}

export function fillNormal(x: Float32Array, scale: number, purpose: string): void {
  const rng = new Rng(0, purpose);
  for (let i = 0; i < x.length; i++) x[i] = scale * rng.normal();
}
