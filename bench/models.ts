// Section 3 of `npm run bench`: training steps per second of each shipped neural config, each step
// the train loop's own (src/train/train.ts trainingStep on a run from buildRun), and the share of it in matmul.
import type { KernelSet } from '../src/wasm/kernels.js';
import { timedRun, type ConfigCase } from './configs.js';
import { measure, type MeasureOptions, type Repeat } from './measure.js';
import { matmulCalls, trainingSteps } from './ours.js';
import { num, type Table } from './table.js';
import { describeBatch, describeModel, matmulShapes } from './workloads.js';

export interface ModelRow {
  config: string;
  model: string;
  batch: string;
  params: number;
  optimizer: string;
  /** matmulShare: the step's matmul calls timed on their own, right after the step, ÷ the step's time. */
  ours: Record<string, { stepsPerSecond: number; msPerStep: number; matmulShare: number; lastLoss: number }>;
}

export function benchModels(kernels: KernelSet[], mo: MeasureOptions, configs: ConfigCase[]): { rows: ModelRow[]; table: Table } {
  const rows: ModelRow[] = [];
  const notes: string[] = [];
  for (const c of configs) {
    try {
      rows.push(modelRow(c, kernels, mo, notes));
    } catch (err) {
      notes.push(`${c.name}: not timed (${(err as Error).message.split('\n')[0]})`);
    }
  }
  if (configs.length === 0) notes.push('no shipped config with a neural model in configs/ yet');
  return { rows, table: modelTable(rows, kernels, notes) };
}

/** Time config `c`'s first run under each kernel set; a divergence while timing goes to `notes`. */
function modelRow(c: ConfigCase, kernels: KernelSet[], mo: MeasureOptions, notes: string[]): ModelRow {
  const row: ModelRow = {
    config: c.name,
    model: describeModel(c.model, c.data),
    batch: describeBatch(c.data),
    params: 0,
    optimizer: c.experiment.optimizers[0]!.name,
    ours: {},
  };
  for (const k of kernels) {
    const steps = trainingSteps(timedRun(c, k));
    row.params = steps.built.task.params.data.length;
    const t = measure(steps.run, mo);
    const matmul = measure(matmulWork(k, c), mo).median * 1e3;
    const lastLoss = steps.built.result.loss;
    row.ours[k] = { stepsPerSecond: 1 / t.median, msPerStep: t.median * 1e3, matmulShare: matmul / (t.median * 1e3), lastLoss };
    const d = steps.divergence();
    if (d !== undefined) notes.push(`${c.name} (${k}): diverged at step ${d.step} while timing (${d.reason}); later steps skip the update`);
  }
  return row;
}

/**
 * The matmul calls of one training step of `c` replayed on their own (same shapes, same counts), so
 * that timing it right after the step gives the step's matmul share under the same machine load.
 */
function matmulWork(k: KernelSet, c: ConfigCase): Repeat {
  const shapes = matmulShapes(c.model, c.data, c.vocab).filter((s) => s.calls > 0);
  const calls = shapes.map((s) => ({ run: matmulCalls(k, s), times: s.calls }));
  return (iterations) => {
    for (let i = 0; i < iterations; i++) for (const x of calls) x.run(x.times);
  };
}

function modelTable(rows: ModelRow[], kernels: KernelSet[], notes: string[]): Table {
  return {
    title: 'Training steps per second of the shipped configs',
    columns: ['<config', '<model', '<batch', 'params', '<optimizer', ...kernels.flatMap((k) => [`${k} steps/s`, `${k} ms/step`, `${k} matmul`])],
    rows: rows.map((row) => [
      row.config,
      row.model,
      row.batch,
      row.params.toLocaleString('en-US'),
      row.optimizer,
      ...kernels.flatMap((k) => {
        const o = row.ours[k]!;
        return [num(o.stepsPerSecond), num(o.msPerStep), `${Math.round(o.matmulShare * 100)}%`];
      }),
    ]),
    notes: [
      'one step = trainingStep of src/train/train.ts, as train() runs it: next batch, forward, backward, gradient norm, clipping,',
      '  lr_t from the schedule, optimizer update (the config\'s first optimizer and seed, on a run from buildRun; steps 1, 2, …).',
      'matmul: estimated share of the step in matmul: the step\'s matmul calls (shapes × counts as in the matmul table) timed on',
      '  their own right after the step, ÷ the step time: an estimate (cache state differs from inside the model).',
      ...notes,
    ],
  };
}
