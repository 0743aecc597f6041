// Section `torch` of `npm run bench`: ms per Adam training step of realistic and shipped models on our
// kernels, on PyTorch (CPU, one thread; bench/torch-peer.ts runs bench/torch_peer.py) and on TensorFlow.js's
// wasm backend (bench/tfjs.ts, where a TF.js version of the model is written), side by side in one run.
import { basename } from 'node:path';
import { ModelSpec } from '../src/config/models.js';
import { DataSpec } from '../src/config/data.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import { planCompare } from '../src/run/plan.js';
import type { RunSpec } from '../src/train/train.js';
import type { KernelSet } from '../src/wasm/kernels.js';
import { findConfigs } from './configs.js';
import { measure, type MeasureOptions } from './measure.js';
import { benchRunSpec, trainingSteps } from './ours.js';
import { num, times, type Table } from './table.js';
import { findTorchPython, runTorchPeer, torchWorkload, type TorchReport, type TorchWorkload } from './torch-peer.js';
import { tfLstm, tfMlp, usePeer, withoutTfjsNodeAdvice, type PeerRun, type Peer, type Tf } from './tfjs.js';
import { dataDims, describeBatch, describeModel, flops, matmulShapes, named } from './workloads.js';

/** The shipped configs timed against PyTorch (by file name), in table order. */
export const TORCH_CONFIGS = ['fmnist-2c2d.yaml', 'fmnist-mlp.yaml', 'lstm.json', 'mlp.yaml', 'transformer.yaml'];

/** Issue #13's char LSTM at a realistic size, a fixed workload (no config ships it). */
export const CHAR_LSTM_H256 = {
  key: 'char-lstm-h256',
  label: 'char LSTM E64 H256 V64 (#13)',
  model: ModelSpec.parse({ kind: 'lstm', embed: 64, hidden: 256, layers: 1 }),
  data: DataSpec.parse({ kind: 'markov-text', vocab: 64, order: 1, seq_len: 64, batch: 32 }),
};

/** One workload of the section: our runs of it (one per kernel set) and its PyTorch description. */
export interface TorchCase {
  /** The config's file name without extension, or CHAR_LSTM_H256.key: what the targets look rows up by. */
  key: string;
  label: string;
  model: ModelSpec;
  data: DataSpec;
  workload: TorchWorkload;
  /** Our run of the workload: the config's Adam run (its first optimizer of kind adam), under `kernels`. */
  spec(kernels: KernelSet): RunSpec;
  /** The text-file vocabulary, when the data has one. */
  vocab?: number;
  /** The same network and step in TensorFlow.js, where one is written (mlp, linear, one-layer lstm). */
  tfjs: ((tf: Tf) => PeerRun) | undefined;
}

export interface TorchRow {
  key: string;
  workload: string;
  model: string;
  batch: string;
  params: { ours: number; torch?: number };
  /** Matmul (and convolution) FLOP of one training step, as bench/workloads.ts tabulates them: the same work on every side. */
  flopPerStep: number;
  /** Seconds per step. */
  ours: Record<string, number>;
  torch?: number;
  /** By kernel set: PyTorch's time ÷ ours (> 1: ours is faster). */
  speedup: Record<string, number>;
  /** One run on several threads (wasm --threads, PyTorch set_num_threads): seconds per step on each side. */
  threaded?: { threads: number; wasm?: number; torch?: number };
  /** Seconds per step on TensorFlow.js's wasm backend, and its time ÷ ours by kernel set. */
  tfjs?: number;
  tfjsSpeedup?: Record<string, number>;
}

/** A TF.js version of the model: the MLP (or linear model) on vector data, the one-layer LSTM on tokens; else undefined. */
export function tfjsWorkload(model: ModelSpec, data: DataSpec, vocab?: number): ((tf: Tf) => PeerRun) | undefined {
  const d = dataDims(data, vocab);
  if (d.seqLen === 1 && (model.kind === 'mlp' || model.kind === 'linear')) {
    const hidden = model.kind === 'mlp' ? model.hidden : [];
    const activation = model.kind === 'mlp' ? model.activation : 'relu';
    if (activation === 'gelu') return undefined;
    return (tf) => tfMlp(tf, { batch: d.batch, widths: [d.inputs, ...hidden, d.outputs], activation });
  }
  if (model.kind === 'lstm' && model.layers === 1) {
    return (tf) => tfLstm(tf, { vocab: d.inputs, embed: model.embed, hidden: model.hidden, seqLen: d.seqLen, batch: d.batch });
  }
  return undefined;
}

/** The section's workloads: TORCH_CONFIGS found in `dir`, then CHAR_LSTM_H256; what cannot be described goes to `notes`. */
export function torchCases(dir: string, notes: string[]): TorchCase[] {
  const found = findConfigs(dir, []);
  const cases: TorchCase[] = [];
  for (const file of TORCH_CONFIGS) {
    const c = found.find((x) => basename(x.name) === file);
    if (c === undefined) {
      notes.push(`${file}: not in ${dir} (or not loadable): not timed`);
      continue;
    }
    const adamRun = (k: KernelSet): RunSpec => {
      const runs = planCompare(c.experiment, { kernels: k });
      return runs.find((r) => r.optimizer.kind === 'adam') ?? { ...runs[0]!, optimizer: named({ kind: 'adam', lr: 1e-3 }) };
    };
    try {
      const workload = torchWorkload(c.name, c.model, c.data, adamRun('js').optimizer, c.vocab);
      const tfjs = tfjsWorkload(c.model, c.data, c.vocab);
      cases.push({ key: file.replace(/\.\w+$/, ''), label: c.name, model: c.model, data: c.data, vocab: c.vocab, workload, spec: adamRun, tfjs });
    } catch (err) {
      notes.push(`${c.name}: not timed (${(err as Error).message})`);
    }
  }
  const { key, label, model, data } = CHAR_LSTM_H256;
  const adam = named({ kind: 'adam', lr: 1e-3 });
  cases.push({ key, label, model, data, workload: torchWorkload(label, model, data, adam), spec: (k) => benchRunSpec(model, data, adam, k), tfjs: tfjsWorkload(model, data) });
  return cases;
}

/** Fashion-MNIST-sized steps take seconds under the js kernels: time them on wasm only when wasm is timed too. */
function kernelsFor(c: TorchCase, kernels: KernelSet[]): KernelSet[] {
  const images = c.data.kind === 'fashion-mnist' || c.data.kind === 'mnist';
  return images && kernels.includes('wasm') ? kernels.filter((k) => k !== 'js') : kernels;
}

/** TensorFlow.js with its wasm backend made current, for the section's third column; or why there is none. */
export type TfjsWasm = { tf: Tf; peer: Peer } | { missing: string };

/**
 * Time each workload on our kernel sets, then on PyTorch right after (one python process per workload,
 * so both sides of a ratio see the same machine load), then on TF.js wasm where a TF.js model is written.
 * Without torch: no table, the line saying how to get it.
 */
export async function benchTorch(
  kernels: KernelSet[], mo: MeasureOptions, configsDir: string, benchDir: string, tfjs: TfjsWasm, threads: number,
): Promise<{ rows: TorchRow[]; tables: (Table | string)[]; meta: Record<string, unknown> }> {
  const notes: string[] = [];
  const found = findTorchPython();
  if ('missing' in found) return { rows: [], tables: [`${found.missing}\n`], meta: { skipped: found.missing } };
  if ('tf' in tfjs) await usePeer(tfjs.tf, tfjs.peer);
  else notes.push(`TF.js wasm column empty: ${tfjs.missing}`);
  const rows: TorchRow[] = [];
  let report: TorchReport | undefined;
  const jsSkipped: string[] = [];
  for (const c of torchCases(configsDir, notes)) {
    const row = ourSide(c, kernelsFor(c, kernels), mo, notes);
    if (row === undefined) continue;
    if (!kernelsFor(c, kernels).includes('js') && kernels.includes('js')) jsSkipped.push(c.label);
    report = torchSide(found.python, benchDir, c, row, mo, notes) ?? report;
    if ('tf' in tfjs && c.tfjs !== undefined) await tfjsSide(tfjs.tf, c, row, mo, notes);
    if (threads > 1 && kernels.includes('wasm')) threadedSide(found.python, benchDir, c, row, threads, mo, notes);
    rows.push(row);
  }
  if (jsSkipped.length > 0) notes.push(`js kernels not timed on ${jsSkipped.join(', ')} (seconds per step; --kernels js times them)`);
  const unwritten = rows.filter((r) => r.tfjs === undefined).map((r) => r.workload);
  if ('tf' in tfjs && unwritten.length > 0) notes.push(`TF.js wasm: no TF.js version written of ${unwritten.join(', ')} (cnn, transformer).`);
  const meta = { python: found.python, torch: report?.torch, threads: report?.threads, blas: report?.blas, tfjs: 'tf' in tfjs ? tfjs.peer : tfjs.missing };
  const tables: Table[] = [torchTable(rows, kernels, report, notes)];
  if (threads > 1 && kernels.includes('wasm')) tables.push(threadedTable(rows, threads));
  return { rows, tables, meta };
}

/**
 * Issue #13's one run on all cores: our wasm run of `c` with `threads` threads (RunSpec.threads, as
 * `--threads` sets it) and PyTorch with torch.set_num_threads(threads), into row.threaded.
 */
function threadedSide(python: string, benchDir: string, c: TorchCase, row: TorchRow, threads: number, mo: MeasureOptions, notes: string[]): void {
  if (row.ours['wasm'] === undefined) return;
  const steps = trainingSteps({ ...c.spec('wasm'), threads });
  const threaded: NonNullable<TorchRow['threaded']> = { threads };
  try {
    threaded.wasm = measure(steps.run, mo).median;
  } finally {
    steps.dispose();
  }
  try {
    const r = runTorchPeer(python, benchDir, [c.workload], mo, threads).results[0]!;
    if ('error' in r) notes.push(`${c.label}: PyTorch on ${threads} threads failed (${r.error})`);
    else threaded.torch = r.timing.median;
  } catch (err) {
    notes.push(`${c.label}: ${(err as Error).message}`);
  }
  row.threaded = threaded;
}

function threadedTable(rows: TorchRow[], threads: number): Table {
  const ms = (s: number | undefined): string => num(s === undefined ? undefined : s * 1e3);
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a / b);
  return {
    title: `One run on ${threads} threads: ms per Adam training step (ours --threads ${threads}, PyTorch set_num_threads(${threads}))`,
    columns: ['<workload', 'wasm 1t ms', `wasm ${threads}t ms`, `wasm 1t÷${threads}t`, `torch ${threads}t ms`, `torch ${threads}t÷wasm ${threads}t`],
    rows: rows.filter((r) => r.threaded).map((r) => [
      r.workload,
      ms(r.ours['wasm']),
      ms(r.threaded!.wasm),
      times(ratio(r.ours['wasm'], r.threaded!.wasm)),
      ms(r.threaded!.torch),
      times(ratio(r.threaded!.torch, r.threaded!.wasm)),
    ]),
    notes: [
      `wasm 1t÷${threads}t: our speed-up from one thread to ${threads} on the same run (results are byte-identical for any thread count);`,
      '  a run splits only its large products (and the im2col/col2im around them) by rows, so small models stay at ~1×.',
      `torch ${threads}t÷wasm ${threads}t: PyTorch's time ÷ ours, both on ${threads} threads (> 1: ours is faster).`,
    ],
  };
}

/** PyTorch's time for `c` into `row` (and the ratios); its report, or undefined (and a note) when it failed. */
function torchSide(python: string, benchDir: string, c: TorchCase, row: TorchRow, mo: MeasureOptions, notes: string[]): TorchReport | undefined {
  try {
    const report = runTorchPeer(python, benchDir, [c.workload], mo, 1);
    const r = report.results[0]!;
    if ('error' in r) notes.push(`${c.label}: PyTorch failed (${r.error})`);
    else {
      row.torch = r.timing.median;
      row.params.torch = r.params;
      for (const [k, s] of Object.entries(row.ours)) row.speedup[k] = r.timing.median / s;
    }
    return report;
  } catch (err) {
    notes.push(`${c.label}: ${(err as Error).message}`);
    return undefined;
  }
}

/** TF.js wasm's time for `c` into `row` (and the ratios); a failure becomes a note. */
async function tfjsSide(tf: Tf, c: TorchCase, row: TorchRow, mo: MeasureOptions, notes: string[]): Promise<void> {
  let run: PeerRun | undefined;
  try {
    await withoutTfjsNodeAdvice(async () => {
      run = c.tfjs!(tf);
      row.tfjs = measure(run.run, mo).median;
    });
    row.tfjsSpeedup = Object.fromEntries(Object.entries(row.ours).map(([k, s]) => [k, row.tfjs! / s]));
  } catch (err) {
    notes.push(`${c.label}: TF.js wasm failed (${(err as Error).message.split('\n')[0]})`);
  } finally {
    run?.dispose();
  }
}

/** Our steps of `c` under each kernel set, as train() runs them; undefined (and a note) if the run cannot be built, e.g. its data files are missing. */
function ourSide(c: TorchCase, kernels: KernelSet[], mo: MeasureOptions, notes: string[]): TorchRow | undefined {
  const flopPerStep = matmulShapes(c.model, c.data, c.vocab).reduce((sum, s) => sum + flops(s) * s.calls, 0);
  const row: TorchRow = { key: c.key, workload: c.label, model: describeModel(c.model, c.data), batch: describeBatch(c.data), params: { ours: 0 }, flopPerStep, ours: {}, speedup: {} };
  for (const k of kernels) {
    let steps;
    try {
      steps = trainingSteps(c.spec(k));
    } catch (err) {
      notes.push(`${c.label}: skipped (${(err as Error).message.split('\n')[0]})`);
      return undefined;
    }
    row.params.ours = steps.built.task.params.data.length;
    try {
      row.ours[k] = measure(steps.run, mo).median;
    } finally {
      steps.dispose();
    }
    const d = steps.divergence();
    if (d !== undefined) notes.push(`${c.label} (${k}): diverged at step ${d.step} while timing (${d.reason})`);
  }
  return row;
}

function torchTable(rows: TorchRow[], kernels: KernelSet[], report: TorchReport | undefined, notes: string[]): Table {
  const mismatched = rows.filter((r) => r.params.torch !== undefined && r.params.torch !== r.params.ours);
  return {
    title: `Against PyTorch${report ? ` ${report.torch}` : ''} (CPU, ${report?.threads ?? 1} thread): ms per Adam training step`,
    columns: ['<workload', '<model', '<batch', 'params', ...kernels.map((k) => `${k} ms`), 'torch ms', 'tfjs-wasm ms', ...kernels.map((k) => `torch÷${k}`), ...kernels.map((k) => `tfjs÷${k}`), 'GFLOP', ...kernels.map((k) => `${k} GFLOP/s`), 'torch GFLOP/s'],
    rows: rows.map((r) => [
      r.workload,
      r.model,
      r.batch,
      r.params.ours.toLocaleString('en-US') + (r.params.torch !== undefined && r.params.torch !== r.params.ours ? ` ≠ ${r.params.torch.toLocaleString('en-US')}` : ''),
      ...kernels.map((k) => num(r.ours[k] === undefined ? undefined : r.ours[k]! * 1e3)),
      num(r.torch === undefined ? undefined : r.torch * 1e3),
      num(r.tfjs === undefined ? undefined : r.tfjs * 1e3),
      ...kernels.map((k) => times(r.speedup[k])),
      ...kernels.map((k) => times(r.tfjsSpeedup?.[k])),
      num(r.flopPerStep / 1e9),
      ...kernels.map((k) => num(rate(r.flopPerStep, r.ours[k]))),
      num(rate(r.flopPerStep, r.torch)),
    ]),
    notes: [
      'torch÷k = PyTorch\'s time ÷ ours on kernel set k (= our steps/s ÷ its steps/s): > 1 means ours is faster; tfjs÷k the same for',
      '  TensorFlow.js\'s wasm backend (one thread, SIMD; the model written in tf ops as in the peers section, on one fixed batch).',
      'GFLOP: matmul and convolution FLOP of one training step (2MNK per product, bench/workloads.ts); k GFLOP/s = that ÷ the',
      '  step time: the whole step\'s throughput in matmul terms, on either side (the matmul section has ours per shape).',
      ...(report ? blasNotes(report) : []),
      mismatched.length === 0
        ? 'params: ours (the run\'s parameter vector); PyTorch\'s trainable parameter count is equal for every row timed (same networks).'
        : `params DIFFER (ours ≠ PyTorch's): ${mismatched.map((r) => r.workload).join(', ')}: those rows compare different networks.`,
      'one step: ours is trainingStep (src/train/train.ts) as train() runs it: next batch from the dataset, forward, backward,',
      '  gradient norm, Adam update, the loss read. PyTorch: zero_grad, forward, mean cross-entropy, backward, Adam step,',
      '  loss.item(), on one fixed random batch built once (it pays no data cost). Adam with the config\'s Adam lr (1e-3 for the char LSTM).',
      'PyTorch models (bench/torch_peer.py): nn.Linear/Conv2d/MaxPool2d/LSTM/LayerNorm/Embedding; the LSTM\'s b_hh is held at zero',
      '  and out of training (ours has one bias per gate row); the transformer is written out as ours (full T×T scores, masked).',
      ...notes,
    ],
  };
}

/** GFLOP/s of `flop` done in `seconds` (undefined without a time or without work). */
function rate(flop: number, seconds: number | undefined): number | undefined {
  return seconds === undefined || flop === 0 ? undefined : flop / seconds / 1e9;
}

function blasNotes(report: TorchReport): string[] {
  const { kind, libs } = report.blas;
  const out = [`PyTorch ${report.torch} (python ${report.python}), torch.get_num_threads() = ${report.threads}, BLAS loaded: ${kind}${libs.length > 0 ? ` (${libs.join(', ')})` : ''}.`];
  if (kind === 'reference') out.push('WARNING: PyTorch runs on the reference BLAS here, several times slower than OpenBLAS: an unfairly slow peer (apt-get install libopenblas0-pthread).');
  return out;
}
