// Section 2 of `npm run bench`: GFLOP/s of matmul at every shape the models call it with (the peer
// models, each shipped neural config, the default transformer), and each model's matmul work per step.
import type { KernelSet } from '../src/wasm/kernels.js';
import type { ConfigCase } from './configs.js';
import { measure, type MeasureOptions } from './measure.js';
import { matmulCalls } from './ours.js';
import { num, type Table } from './table.js';
import { DEFAULT_TRANSFORMER, PEER_LSTM, PEER_MLP, describeBatch, describeModel, flops, matmulShapes, shapeKey, type MatmulShape } from './workloads.js';

/** A matmul shape of a model, as measured (workloads.ts's MatmulShape with its calls per step). */
export interface MatmulRow extends Omit<MatmulShape, 'calls'> {
  model: string;
  callsPerStep: number;
  ours: Record<string, { gflops: number; msPerStep: number }>;
}

export interface MatmulModel {
  model: string;
  /** Matmul FLOP of one training step. */
  mflopPerStep: number;
  ours: Record<string, { gflops: number; msPerStep: number }>;
}

export interface MatmulCase {
  label: string;
  shapes: MatmulShape[];
}

/** Seconds per call, by shape key then kernel set: a shape two models share is timed once. */
type Timed = Map<string, Map<KernelSet, number>>;

/** The peer models, every shipped neural config's model, and the default transformer if none ships. */
export function matmulCases(configs: ConfigCase[]): MatmulCase[] {
  const cases: MatmulCase[] = [
    { label: PEER_MLP.label, shapes: matmulShapes(PEER_MLP.model, PEER_MLP.data) },
    { label: PEER_LSTM.label, shapes: matmulShapes(PEER_LSTM.model, PEER_LSTM.data) },
  ];
  for (const c of configs) {
    const shapes = matmulShapes(c.model, c.data, c.vocab);
    const same = cases.find((x) => signature(x.shapes) === signature(shapes));
    if (same) same.label += ` = ${c.name}`;
    else cases.push({ label: `${c.name}: ${describeModel(c.model, c.data)}, ${describeBatch(c.data)}`, shapes });
  }
  if (!configs.some((c) => c.model.kind === 'transformer')) {
    const t = DEFAULT_TRANSFORMER;
    cases.push({ label: `${t.label}: ${describeModel(t.model, t.data)}, ${describeBatch(t.data)}`, shapes: matmulShapes(t.model, t.data) });
  }
  return cases;
}

function signature(shapes: MatmulShape[]): string {
  return shapes.map((s) => `${shapeKey(s)}*${s.calls}`).join(' ');
}

export function benchMatmul(kernels: KernelSet[], mo: MeasureOptions, cases: MatmulCase[]): { rows: MatmulRow[]; models: MatmulModel[]; table: Table } {
  const timed: Timed = new Map();
  const rows: MatmulRow[] = [];
  const models: MatmulModel[] = [];
  const lines: string[][] = [];
  for (const c of cases) {
    const shapes = c.shapes.filter((s) => s.calls > 0);
    const caseRows = shapes.map((s) => matmulRow(c.label, s, secondsPerCall(s, kernels, mo, timed), kernels));
    const summary = modelSummary(c.label, shapes, caseRows, kernels);
    rows.push(...caseRows);
    models.push(summary);
    lines.push(...caseRows.map((row, i) => matmulLine(row, i === 0 ? shortModel(c.label) : '', kernels)));
    lines.push(['', `all matmuls of one step (${num(summary.mflopPerStep)} MFLOP)`, '', '', '', ...kernels.flatMap((k) => [num(summary.ours[k]!.gflops), num(summary.ours[k]!.msPerStep)])]);
  }
  return { rows, models, table: matmulTable(lines, kernels, cases) };
}

function secondsPerCall(s: MatmulShape, kernels: KernelSet[], mo: MeasureOptions, timed: Timed): Map<KernelSet, number> {
  const key = shapeKey(s);
  let perKernels = timed.get(key);
  if (!perKernels) {
    perKernels = new Map();
    for (const k of kernels) perKernels.set(k, measure(matmulCalls(k, s), mo).median);
    timed.set(key, perKernels);
  }
  return perKernels;
}

function matmulRow(model: string, s: MatmulShape, seconds: Map<KernelSet, number>, kernels: KernelSet[]): MatmulRow {
  const { calls, ...shape } = s;
  const row: MatmulRow = { model, ...shape, callsPerStep: calls, ours: {} };
  for (const k of kernels) {
    const sec = seconds.get(k)!;
    row.ours[k] = { gflops: flops(s) / sec / 1e9, msPerStep: calls * sec * 1e3 };
  }
  return row;
}

/** A model's whole matmul work per step: its rows' times summed, GFLOP/s weighted by flop. */
function modelSummary(model: string, shapes: MatmulShape[], rows: MatmulRow[], kernels: KernelSet[]): MatmulModel {
  const totalFlops = shapes.reduce((sum, s) => sum + s.calls * flops(s), 0);
  const summary: MatmulModel = { model, mflopPerStep: totalFlops / 1e6, ours: {} };
  for (const k of kernels) {
    const ms = rows.reduce((sum, r) => sum + r.ours[k]!.msPerStep, 0);
    summary.ours[k] = { gflops: totalFlops / (ms / 1e3) / 1e9, msPerStep: ms };
  }
  return summary;
}

function matmulLine(row: MatmulRow, model: string, kernels: KernelSet[]): string[] {
  return [
    model,
    row.op,
    `${row.M}×${row.N}×${row.K}`,
    `${row.transA ? 'Aᵀ' : 'A'}·${row.transB ? 'Bᵀ' : 'B'}${row.accumulate ? ' +=' : ''}`,
    String(row.callsPerStep),
    ...kernels.flatMap((k) => [num(row.ours[k]!.gflops), num(row.ours[k]!.msPerStep)]),
  ];
}

function matmulTable(lines: string[][], kernels: KernelSet[], cases: MatmulCase[]): Table {
  return {
    title: 'matmul: GFLOP/s at the shapes the models use',
    columns: ['<model', '<op', 'M×N×K', '<C (+)=', 'calls/step', ...kernels.flatMap((k) => [`${k} GFLOP/s`, `${k} ms/step`])],
    rows: lines,
    notes: [
      'C[M×N] (+)= op(A)[M×K]·op(B)[K×N] as src/nn/matmul.ts is called by src/nn/{linear,lstm,attention}.ts; GFLOP/s = 2MNK / time.',
      'ms/step: calls per training step × time per call; the last row of each model is its whole matmul work (flop-weighted GFLOP/s).',
      `models: ${cases.map((c) => c.label).join('; ')}.`,
    ],
  };
}

/** First words of a model label, for the table's model column. */
function shortModel(label: string): string {
  return label.split(/[,:]/)[0]!;
}
