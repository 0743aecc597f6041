// What `npm run bench` measures: the optimizer specs and the bytes each step touches, the models run
// side by side with TensorFlow.js, and the matmul calls each model makes per training step (read off
// src/nn/{linear,lstm,attention}.ts and src/models/*.ts; test/bench.test.ts counts a real step's calls against them).
import { OptimizerSpec } from '../src/config/optimizers.js';
import { ModelSpec } from '../src/config/models.js';
import { DataSpec } from '../src/config/data.js';
import type { NamedOptimizer } from '../src/config/schema.js';
import { cnnPlanes } from '../src/models/cnn.js';
import { conv2dGeometry } from '../src/nn/conv2d.js';

export function named(raw: { kind: string; [k: string]: unknown }): NamedOptimizer {
  const spec = OptimizerSpec.parse(raw);
  return { ...spec, name: spec.name ?? spec.kind };
}

export interface OptimizerCase {
  label: string;
  spec: NamedOptimizer;
  /**
   * Float32 arrays of n the step streams through, counting each read and each write once: the memory
   * baseline copies arrays·n/2 floats (one read and one write per copied float), the same bytes.
   */
  arrays: number;
  /** First step timed; later steps keep counting from here (RAdam: well inside the rectified phase). */
  firstStep: number;
}

export const OPTIMIZER_CASES: OptimizerCase[] = [
  // reads p, g, buf; writes p, buf
  { label: 'sgd (momentum 0.9)', spec: named({ kind: 'sgd', lr: 0.01, momentum: 0.9 }), arrays: 5, firstStep: 100 },
  // reads p, g, m, v; writes p, m, v
  { label: 'adam', spec: named({ kind: 'adam', lr: 1e-3 }), arrays: 7, firstStep: 100 },
  { label: 'adamw (wd 0.01)', spec: named({ kind: 'adamw', lr: 1e-3 }), arrays: 7, firstStep: 100 },
  // ρ_t > 5 from t = 6 on at β₂ = 0.999 (see `radam-run rho`): step 100 is rectified
  { label: 'radam (rectified)', spec: named({ kind: 'radam', lr: 1e-3 }), arrays: 7, firstStep: 100 },
];

export const OPTIMIZER_SIZES = [1e4, 1e5, 1e6];

/** A model and its data, fully resolved (schema defaults filled). */
export interface ModelCase {
  label: string;
  model: ModelSpec;
  data: DataSpec;
}

/** The MLP compared with TensorFlow.js: 64 → 128 → 10, ReLU, softmax cross-entropy, batch 64. */
export const PEER_MLP: ModelCase = {
  label: 'mlp 64-128-10, batch 64',
  model: ModelSpec.parse({ kind: 'mlp', hidden: [128], activation: 'relu' }),
  data: DataSpec.parse({ kind: 'blobs', classes: 10, dim: 64, batch: 64 }),
};

/** The char LSTM compared with TensorFlow.js: vocab 32, embed 32, hidden 128, seq 32, batch 16. */
export const PEER_LSTM: ModelCase = {
  label: 'lstm V32 E32 H128, T32 B16',
  model: ModelSpec.parse({ kind: 'lstm', embed: 32, hidden: 128, layers: 1 }),
  data: DataSpec.parse({ kind: 'markov-text', vocab: 32, order: 2, seq_len: 32, batch: 16 }),
};

/** The transformer's default sizes on the default markov-text stream, when no config ships one. */
export const DEFAULT_TRANSFORMER: ModelCase = {
  label: 'transformer (defaults)',
  model: ModelSpec.parse({ kind: 'transformer' }),
  data: DataSpec.parse({ kind: 'markov-text' }),
};

/** The sizes a model sees from its data: batch, input dim / vocab, outputs, sequence length. */
export function dataDims(data: DataSpec, vocab?: number): { batch: number; inputs: number; outputs: number; seqLen: number } {
  switch (data.kind) {
    case 'blobs':
      return { batch: data.batch, inputs: data.dim, outputs: data.classes, seqLen: 1 };
    case 'spirals':
      return { batch: data.batch, inputs: 2, outputs: data.classes, seqLen: 1 };
    case 'teacher':
      return { batch: data.batch, inputs: data.in, outputs: data.out, seqLen: 1 };
    case 'markov-text':
      return { batch: data.batch, inputs: data.vocab, outputs: data.vocab, seqLen: data.seq_len };
    case 'text-file':
      // The vocabulary comes from the file: pass it once known, else 96 (printable ASCII) stands in.
      return { batch: data.batch, inputs: vocab ?? 96, outputs: vocab ?? 96, seqLen: data.seq_len };
    case 'fashion-mnist':
    case 'mnist':
      return { batch: data.batch, inputs: 28 * 28, outputs: 10, seqLen: 1 };
  }
}

/** One matmul call shape: C[M×N] (+)= op(A)[M×K]·op(B)[K×N], `calls` times per training step. */
export interface MatmulShape {
  op: string;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  calls: number;
}

export function shapeKey(s: Omit<MatmulShape, 'op' | 'calls'>): string {
  return `${s.M}x${s.N}x${s.K}${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}${s.accumulate ? '+' : ''}`;
}

export function flops(s: MatmulShape): number {
  return 2 * s.M * s.N * s.K;
}

/** src/nn/linear.ts over N rows, C → OC: forward, then (backward) dinp if wanted, dW. */
function linear(name: string, N: number, C: number, OC: number, withDinp: boolean): MatmulShape[] {
  const shapes: MatmulShape[] = [
    { op: `${name} fwd x·Wᵀ`, M: N, N: OC, K: C, transA: false, transB: true, accumulate: false, calls: 1 },
  ];
  if (withDinp) shapes.push({ op: `${name} dx = dy·W`, M: N, N: C, K: OC, transA: false, transB: false, accumulate: true, calls: 1 });
  shapes.push({ op: `${name} dW = dyᵀ·x`, M: OC, N: C, K: N, transA: true, transB: false, accumulate: true, calls: 1 });
  return shapes;
}

/** The matmul calls of one training step (forward + backward) of a neural model on its data. */
export function matmulShapes(model: ModelSpec, data: DataSpec, vocab?: number): MatmulShape[] {
  const { batch: B, inputs, outputs, seqLen: T } = dataDims(data, vocab);
  switch (model.kind) {
    case 'linear':
    case 'mlp': {
      const widths = [inputs, ...(model.kind === 'mlp' ? model.hidden : []), outputs];
      return widths.slice(1).flatMap((out, l) => linear(`fc${l}`, B, widths[l]!, out, l > 0));
    }
    case 'lstm': {
      const { embed: E, hidden: H } = model;
      const G = 4 * H;
      const shapes: MatmulShape[] = [];
      for (let l = 0; l < model.layers; l++) {
        const In = l === 0 ? E : H;
        const n = `lstm${l}`;
        shapes.push(
          { op: `${n} x·W_ihᵀ (all t)`, M: T * B, N: G, K: In, transA: false, transB: true, accumulate: false, calls: 1 },
          { op: `${n} h·W_hhᵀ (per t)`, M: B, N: G, K: H, transA: false, transB: true, accumulate: true, calls: T - 1 },
          { op: `${n} dh += dz·W_hh (per t)`, M: B, N: H, K: G, transA: false, transB: false, accumulate: true, calls: T - 1 },
          { op: `${n} dW_hh = dzᵀ·h`, M: G, N: H, K: (T - 1) * B, transA: true, transB: false, accumulate: true, calls: T > 1 ? 1 : 0 },
          { op: `${n} dW_ih = dzᵀ·x`, M: G, N: In, K: T * B, transA: true, transB: false, accumulate: true, calls: 1 },
          { op: `${n} dx = dz·W_ih`, M: T * B, N: In, K: G, transA: false, transB: false, accumulate: true, calls: 1 },
        );
      }
      return [...shapes, ...linear('head', T * B, H, outputs, true)];
    }
    case 'transformer': {
      const { d_model: C, d_ff: F } = model;
      const N = B * T;
      // Every block has the same shapes: list them once with calls × layers. The attention's per-head
      // products run inside the attention kernels (src/nn/attention.ts, over the causal triangle), not
      // through matmul, so they are not listed.
      const block: MatmulShape[] = [
        ...linear('qkv', N, C, 3 * C, true),
        ...linear('proj', N, C, C, true),
        ...linear('fc', N, C, F, true),
        ...linear('fc proj', N, F, C, true),
      ];
      return [...block.map((s) => ({ ...s, calls: s.calls * model.layers })), ...linear('head', N, C, outputs, true)];
    }
    case 'cnn':
      return cnnShapes(model, B, outputs);
    default:
      return [];
  }
}

/**
 * src/nn/conv2d.ts per image, inside the conv kernels (out = W·cols; backward dW += dout·colsᵀ and,
 * except for the first layer, dcols = Wᵀ·dout), then the dense layers of src/models/cnn.ts on the
 * flattened last plane.
 */
function cnnShapes(model: Extract<ModelSpec, { kind: 'cnn' }>, B: number, outputs: number): MatmulShape[] {
  const planes = cnnPlanes(model);
  const shapes: MatmulShape[] = [];
  model.conv.forEach((layer, l) => {
    const { C, H, W } = planes[l]!;
    const g = conv2dGeometry(C, H, W, layer.channels, layer.kernel, layer.stride, layer.padding);
    const [Cout, HWo, CKK] = [g.Cout, g.Ho * g.Wo, g.C * g.k * g.k];
    shapes.push(
      { op: `conv${l} fwd W·cols (per image)`, M: Cout, N: HWo, K: CKK, transA: false, transB: false, accumulate: false, calls: B },
      { op: `conv${l} dW += dout·colsᵀ (per image)`, M: Cout, N: CKK, K: HWo, transA: false, transB: true, accumulate: true, calls: B },
    );
    if (l > 0) shapes.push({ op: `conv${l} dcols = Wᵀ·dout (per image)`, M: CKK, N: HWo, K: Cout, transA: true, transB: false, accumulate: false, calls: B });
  });
  const last = planes[planes.length - 1]!;
  const widths = [last.C * last.H * last.W, ...model.dense, outputs];
  return [...shapes, ...widths.slice(1).flatMap((out, l) => linear(`fc${l}`, B, widths[l]!, out, true))];
}

/** A short description of a model's sizes, e.g. "lstm V32 E32 H128×1". */
export function describeModel(model: ModelSpec, data: DataSpec | undefined): string {
  const d = data ? dataDims(data) : undefined;
  switch (model.kind) {
    case 'linear':
      return d ? `linear ${d.inputs}-${d.outputs}` : 'linear';
    case 'mlp':
      return d ? `mlp ${[d.inputs, ...model.hidden, d.outputs].join('-')} ${model.activation}` : 'mlp';
    case 'cnn':
      return `cnn ${model.conv.map((c) => `${c.kernel}×${c.kernel}×${c.channels}`).join(' ')} dense ${model.dense.join('-')}`;
    case 'lstm':
      return `lstm E${model.embed} H${model.hidden}×${model.layers}`;
    case 'transformer':
      return `transformer C${model.d_model} h${model.heads} L${model.layers} F${model.d_ff} ${model.norm}`;
    default:
      return model.kind;
  }
}

/** Batch (and sequence length) as "B64" or "B16 T32". */
export function describeBatch(data: DataSpec | undefined): string {
  if (!data) return '';
  const d = dataDims(data);
  return d.seqLen > 1 ? `B${d.batch} T${d.seqLen}` : `B${d.batch}`;
}
