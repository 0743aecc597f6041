// Section 1 of `npm run bench`: one optimizer step on 10⁴–10⁶ parameters, in ns per parameter, next
// to a memory baseline that copies the same bytes (the speed a streaming update cannot beat).
import type { KernelSet } from '../src/wasm/kernels.js';
import { measure, type MeasureOptions, type Repeat, type Timing } from './measure.js';
import { optimizerSteps } from './ours.js';
import { count, num, times, type Table } from './table.js';
import { OPTIMIZER_CASES, OPTIMIZER_SIZES, type OptimizerCase } from './workloads.js';

export interface OptimizerRow {
  optimizer: string;
  params: number;
  /** Bytes a step reads plus writes (arrays × 4n). */
  bytesPerStep: number;
  copyNsPerParam: number;
  copyGBps: number;
  /** Per kernel set: ns per parameter and the time ratio to the copy (1 = memory speed). */
  ours: Record<string, { nsPerParam: number; timeRatioToCopy: number; timing: Timing }>;
}

export function benchOptimizers(kernels: KernelSet[], mo: MeasureOptions): { rows: OptimizerRow[]; table: Table } {
  const copies = new Map<string, Timing>(); // "arrays/n" → the copy of those bytes
  const rows: OptimizerRow[] = [];
  for (const n of OPTIMIZER_SIZES) {
    for (const c of OPTIMIZER_CASES) {
      const key = `${c.arrays}/${n}`;
      const copy = copies.get(key) ?? measure(copyRepeat(Math.round((c.arrays * n) / 2)), mo);
      copies.set(key, copy);
      rows.push(optimizerRow(c, n, copy, kernels, mo));
    }
  }
  return { rows, table: optimizerTable(rows, kernels) };
}

function optimizerRow(c: OptimizerCase, n: number, copy: Timing, kernels: KernelSet[], mo: MeasureOptions): OptimizerRow {
  const bytes = c.arrays * 4 * n;
  const row: OptimizerRow = {
    optimizer: c.label,
    params: n,
    bytesPerStep: bytes,
    copyNsPerParam: (copy.median / n) * 1e9,
    copyGBps: bytes / copy.median / 1e9,
    ours: {},
  };
  for (const k of kernels) {
    const t = measure(optimizerSteps(k, c.spec, n, c.firstStep), mo);
    row.ours[k] = { nsPerParam: (t.median / n) * 1e9, timeRatioToCopy: t.median / copy.median, timing: t };
  }
  return row;
}

/** dst.set(src) of `floats` floats: each copied float is one read and one write. */
function copyRepeat(floats: number): Repeat {
  const src = new Float32Array(floats);
  const dst = new Float32Array(floats);
  for (let i = 0; i < floats; i++) src[i] = i;
  return (iterations) => {
    for (let i = 0; i < iterations; i++) dst.set(src);
  };
}

function optimizerTable(rows: OptimizerRow[], kernels: KernelSet[]): Table {
  return {
    title: 'Optimizer step: ns per parameter, against copying the same bytes',
    columns: ['<optimizer', 'params', 'MB/step', 'copy GB/s', 'copy ns/param', ...kernels.flatMap((k) => [`${k} ns/param`, `${k}/copy`])],
    rows: rows.map((row) => [
      row.optimizer,
      count(row.params),
      num(row.bytesPerStep / 1e6),
      num(row.copyGBps),
      num(row.copyNsPerParam),
      ...kernels.flatMap((k) => [num(row.ours[k]!.nsPerParam), times(row.ours[k]!.timeRatioToCopy)]),
    ]),
    notes: [
      'MB/step: bytes one step reads plus writes (Adam/AdamW/RAdam read θ, g, m, v and write θ, m, v: 7 × 4n; SGD with momentum 5 × 4n).',
      'copy: dst.set(src) of half as many floats (each copied float is one read and one write), timed the same way: the speed of',
      '  whichever cache level or DRAM holds the bytes (10⁶ parameters: 20–28 MB per step).',
      `${kernels.map((k) => `${k}/copy`).join(', ')}: time ratio, 1× = memory speed. RAdam is timed at steps ≥ 100 (rectified, ρ_t > 5).`,
      'one step: the optimizer\'s step (src/optim) on the kernels a run is built with, at its base lr, without the model around it.',
    ],
  };
}
