// The PyTorch peer: which python can import torch, the workload descriptions bench/torch_peer.py reads
// (each the shapes of one of our models, derived from its ModelSpec and DataSpec), and one call of it.
// PyTorch is not a dependency: the peer runs only where some python3 imports torch.
// B = batch, T = seq_len, V = vocab, E = embed, H = hidden, C = d_model.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ModelSpec } from '../src/config/models.js';
import type { DataSpec } from '../src/config/data.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import { cnnPlanes } from '../src/models/cnn.js';
import { conv2dGeometry } from '../src/nn/conv2d.js';
import type { MeasureOptions, Timing } from './measure.js';
import { dataDims } from './workloads.js';

export const TORCH_SCRIPT = 'torch_peer.py';
export const TORCH_INSTALL = 'apt-get install python3-torch libopenblas0-pthread';

/** torch.optim.Adam's arguments, from our spec. */
export interface TorchAdam {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
}

export interface TorchConv {
  channels: number;
  kernel: number;
  stride: number;
  /** Zero padding [top, bottom, left, right], TensorFlow's 'same' split as src/nn/conv2d.ts splits it. */
  pad: [number, number, number, number];
  pool: { kernel: number; stride: number } | null;
}

type Shapes =
  | { kind: 'mlp'; widths: number[]; activation: 'relu' | 'tanh' | 'gelu' }
  | { kind: 'cnn'; input: [number, number, number]; conv: TorchConv[]; flat: number; dense: number[]; classes: number }
  | { kind: 'lstm'; seqLen: number; vocab: number; embed: number; hidden: number; layers: number }
  | {
      kind: 'transformer';
      seqLen: number;
      vocab: number;
      d_model: number;
      heads: number;
      layers: number;
      d_ff: number;
      context: number;
      norm: 'pre' | 'post';
      activation: 'relu' | 'tanh' | 'gelu';
    };

/** One workload as bench/torch_peer.py builds it: the model's shapes, the batch, Adam's settings. */
export type TorchWorkload = { label: string; batch: number; adam: TorchAdam } & Shapes;

/** What bench/torch_peer.py prints: torch's build and threads, the BLAS it loaded, a timing (or an error) per workload. */
export interface TorchReport {
  torch: string;
  python: string;
  threads: number;
  blas: { kind: string; libs: string[] };
  results: ({ label: string; params: number; timing: Timing; lastLoss: number } | { label: string; error: string })[];
}

/**
 * The PyTorch description of `model` trained on `data` with `optimizer` (Adam only: the peer's
 * optimizer is torch.optim.Adam). Throws for what the peer does not build (regression heads, other optimizers).
 */
export function torchWorkload(label: string, model: ModelSpec, data: DataSpec, optimizer: NamedOptimizer, vocab?: number): TorchWorkload {
  if (optimizer.kind !== 'adam') throw new Error(`the PyTorch peer runs Adam, got optimizer "${optimizer.kind}"`);
  const adam: TorchAdam = { lr: optimizer.lr, betas: optimizer.betas, eps: optimizer.eps, weight_decay: optimizer.weight_decay };
  const d = dataDims(data, vocab);
  const base = { label, batch: d.batch, adam };
  switch (model.kind) {
    case 'linear':
    case 'mlp':
      if (data.kind === 'teacher') throw new Error('the PyTorch peer builds classifiers only (teacher data is a regression)');
      return { ...base, kind: 'mlp', widths: [d.inputs, ...(model.kind === 'mlp' ? model.hidden : []), d.outputs], activation: model.kind === 'mlp' ? model.activation : 'relu' };
    case 'cnn':
      return { ...base, ...cnnShapes(model, d.outputs) };
    case 'lstm':
      return { ...base, kind: 'lstm', seqLen: d.seqLen, vocab: d.inputs, embed: model.embed, hidden: model.hidden, layers: model.layers };
    case 'transformer': {
      const { d_model, heads, layers, d_ff, context, norm, activation } = model;
      return { ...base, kind: 'transformer', seqLen: d.seqLen, vocab: d.inputs, d_model, heads, layers, d_ff, context, norm, activation };
    }
    default:
      throw new Error(`the PyTorch peer has no "${model.kind}" model`);
  }
}

/** The conv blocks as src/models/cnn.ts lays them out (cnnPlanes), with each layer's padding made explicit. */
function cnnShapes(model: Extract<ModelSpec, { kind: 'cnn' }>, classes: number): Extract<Shapes, { kind: 'cnn' }> {
  const planes = cnnPlanes(model);
  const conv = model.conv.map((layer, i): TorchConv => {
    const { C, H, W } = planes[i]!;
    const g = conv2dGeometry(C, H, W, layer.channels, layer.kernel, layer.stride, layer.padding);
    // The total padding of an axis; 'valid' needs none ((Ho − 1)·s + k ≤ H), 'same' puts the extra pixel after.
    const total = (n: number, out: number): number => Math.max((out - 1) * layer.stride + layer.kernel - n, 0);
    const pool = layer.pool ?? model.pool;
    return {
      channels: layer.channels,
      kernel: layer.kernel,
      stride: layer.stride,
      pad: [g.padTop, total(H, g.Ho) - g.padTop, g.padLeft, total(W, g.Wo) - g.padLeft],
      pool: pool === 'none' ? null : { kernel: pool.kernel, stride: pool.stride },
    };
  });
  const first = planes[0]!;
  const last = planes[planes.length - 1]!;
  return { kind: 'cnn', input: [first.C, first.H, first.W], conv, flat: last.C * last.H * last.W, dense: model.dense, classes };
}

/**
 * The python to run the peer with: $RADAM_RUN_PYTHON when set (an explicit choice, tried alone), else
 * the first of python3 and /usr/bin/python3 that imports torch (a pyenv or venv python3 on PATH often
 * lacks the Debian package that the system one has); else why there is none.
 */
export function findTorchPython(env = process.env): { python: string } | { missing: string } {
  const chosen = env['RADAM_RUN_PYTHON'];
  const candidates = chosen ? [chosen] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
    if (r.status === 0) return { python };
  }
  return {
    missing:
      `PyTorch peer skipped: no python here imports torch (tried ${candidates.join(', ')}); ` +
      `to get it: ${TORCH_INSTALL} (or point $RADAM_RUN_PYTHON at a python with torch)`,
  };
}

/**
 * Run bench/torch_peer.py once on `workloads` with `threads` threads (torch.set_num_threads, and the
 * OpenMP/OpenBLAS/MKL pools held to the same count). Throws if the script fails as a whole.
 */
export function runTorchPeer(python: string, benchDir: string, workloads: TorchWorkload[], mo: MeasureOptions, threads: number): TorchReport {
  const n = String(threads);
  const r = spawnSync(python, [join(benchDir, TORCH_SCRIPT)], {
    input: JSON.stringify({ measure: mo, threads, workloads }),
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30 * 60_000,
  });
  if (r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${String(r.status ?? r.signal)}`);
    throw new Error(`${TORCH_SCRIPT} failed: ${why}`);
  }
  return JSON.parse(r.stdout) as TorchReport;
}
