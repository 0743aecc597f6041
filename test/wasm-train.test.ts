// Whole training runs under both kernel sets: the shipped configs give the same loss curves and traces
// with --kernels js and --kernels wasm, within a stated tolerance, and a wasm run's memory never grows.
//
// Tolerance. Each kernel agrees with its TS reference to float32 rounding (test/wasm-kernels.test.ts);
// over hundreds of steps those differences are carried and amplified by the dynamics, so curves are
// compared at rtol 1e-3 with an absolute floor of 1e-9 (near a minimum the loss is a difference of
// float32 parameters, quantised at ~1e-11 on Rosenbrock). A bug in a kernel — a wrong sign, a missed
// decay, a dropped tail element — moves curves by far more than this within a few steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { planCompare } from '../src/run/plan.js';
import { planRuns } from '../src/run/sweep-plan.js';
import { buildRun, train, trainingStep, type RunSpec, type StepRecord } from '../src/train/train.js';
import { WasmKernels } from '../src/wasm/wasm-kernels.js';
import { repoRoot } from './helpers.js';

const RTOL = 1e-3;
const ATOL = 1e-9;

function trainRecords(spec: RunSpec): StepRecord[] {
  const records: StepRecord[] = [];
  train(spec, { step: (r) => records.push(r), eval: () => {}, tick: () => {} });
  return records;
}

function assertSameCurves(config: string, steps: number): void {
  const { experiment } = loadExperiment(join(repoRoot(), 'configs', config), { steps });
  const js = planCompare(experiment, { kernels: 'js' });
  const wasm = planCompare(experiment, { kernels: 'wasm' });
  assert.ok(js.every((s) => s.kernels === 'js') && wasm.every((s) => s.kernels === 'wasm'));
  js.forEach((spec, i) => {
    const a = trainRecords(spec);
    const b = trainRecords(wasm[i]!);
    assert.equal(b.length, a.length, `${config} ${spec.run}: records`);
    a.forEach((r, k) => {
      const w = b[k]!;
      for (const field of ['loss', 'gradNorm', 'updateNorm', 'rhoT', 'rect'] as const) {
        const [x, y] = [r[field], w[field]];
        if (Number.isNaN(x) && Number.isNaN(y)) continue;
        assert.ok(Math.abs(x - y) <= RTOL * Math.abs(x) + ATOL, `${config} ${spec.run} step ${r.step} ${field}: js ${x}, wasm ${y}`);
      }
      assert.equal(w.adaptive, r.adaptive, `${config} ${spec.run} step ${r.step}: adaptive`);
    });
  });
}

test('configs/rosenbrock.yaml: the same curves and traces under --kernels js and wasm', () => {
  // 1000 of its 3000 steps: later, Adam sits at the minimum at float32 resolution, where the gradient
  // is rounding noise and its norm differs between any two float32 implementations.
  assertSameCurves('rosenbrock.yaml', 1000);
});

test('configs/mlp.yaml (spirals, tanh MLP): the same curves and traces under --kernels js and wasm', () => {
  assertSameCurves('mlp.yaml', 150);
});

test('configs/lstm.json (char LSTM): the same curves and traces under --kernels js and wasm', () => {
  assertSameCurves('lstm.json', 100);
});

test('configs/transformer.yaml (post-norm, GELU, causal attention): the same curves and traces under --kernels js and wasm', () => {
  assertSameCurves('transformer.yaml', 20);
});

test('the kernel set is part of a sweep run id', () => {
  const loaded = loadExperiment(join(repoRoot(), 'configs', 'rosenbrock.yaml'));
  const js = planRuns(loaded, { kernels: 'js' }).runs.map((r) => r.id);
  const wasm = planRuns(loaded, { kernels: 'wasm' }).runs.map((r) => r.id);
  assert.equal(js.length, wasm.length);
  js.forEach((id, i) => assert.notEqual(id, wasm[i]));
  assert.deepEqual(planRuns(loaded, { kernels: 'wasm' }).runs.map((r) => r.id), wasm, 'ids are stable');
});

test('a wasm run lives in one fixed memory: it does not grow and its views never detach', () => {
  const { experiment } = loadExperiment(join(repoRoot(), 'configs', 'lstm.json'));
  const run = buildRun(planCompare(experiment, { kernels: 'wasm' })[1]!); // adam
  const { task, arena, kernels } = run;
  assert.ok(kernels instanceof WasmKernels, 'the spec picked the wasm kernels');
  const memory = task.params.data.buffer;
  const bytes = arena.byteLength;
  assert.ok(bytes > 0 && bytes % 65536 === 0, `whole wasm pages, got ${bytes} bytes`);
  // The wasm kernels accept only views of their own memory, so the parameters are such views.
  assert.doesNotThrow(() => kernels.sumOfSquares(task.params.data, task.params.data.length));
  for (let t = 1; t <= 30; t++) trainingStep(run, t);
  task.evaluate?.(2);
  assert.equal(task.params.data.buffer, memory, 'same buffer object');
  assert.equal(memory.byteLength, bytes, 'no growth (a grown memory would detach the old buffer to 0 bytes)');
  assert.doesNotThrow(() => kernels.sumOfSquares(task.params.grad, task.params.grad.length));
});
